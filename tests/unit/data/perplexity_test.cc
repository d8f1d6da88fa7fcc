// The eval windowing (src/eval/perplexity.h) against a PyTorch computation of the same
// windows with a known per-token loss (tests/reference/perplexity.py).
#include <gtest/gtest.h>

#include <cmath>

#include "core/error.h"
#include "data/token_shard.h"
#include "eval/perplexity.h"
#include "support/oracle.h"

using namespace lmf;

namespace {

// Same per-token loss as tests/reference/perplexity.py, averaged over a batch.
double batch_loss(const Tensor& x, const Tensor& y) {
  const int32_t* xp = x.data<int32_t>();
  const int32_t* yp = y.data<int32_t>();
  double sum = 0;
  for (int64_t i = 0; i < x.numel(); ++i) sum += std::log1p(double((int64_t(xp[i]) * 31 + int64_t(yp[i]) * 17) % 101));
  return sum / double(x.numel());
}

}  // namespace

TEST(Perplexity, WindowCountAndMeanMatchReference) {
  std::string dir = test::temp_dir();
  struct Case { int n, T, B; };
  // N-1 a multiple of T (every token scored), N a multiple of T (the last token is only an
  // input), a partial last batch, a single window.
  const std::vector<Case> cases = {{101, 10, 3}, {120, 10, 5}, {1000, 7, 8}, {12, 11, 4}, {530, 16, 1}};
  auto ids_of = [](const Case& c) {
    std::vector<int32_t> ids(size_t(c.n));
    for (int i = 0; i < c.n; ++i) ids[i] = int32_t((uint32_t(i) * 2654435761u) % 70000);
    return ids;
  };
  test::TensorMap inputs;
  nlohmann::json Ts = nlohmann::json::array();
  for (size_t k = 0; k < cases.size(); ++k) {
    inputs["ids_" + std::to_string(k)] = Tensor::from_ints(ids_of(cases[k]), {cases[k].n});
    Ts.push_back(cases[k].T);
  }
  auto want = test::torch_ref("perplexity", "windows", inputs, {{"T", Ts}});
  for (size_t k = 0; k < cases.size(); ++k) {
    const Case c = cases[k];
    auto ids32 = ids_of(c);
    data::write_token_shard(dir + "/v.bin", ids32);
    auto shard = data::TokenShard::open(dir + "/v.bin");
    std::vector<int64_t> rows;
    auto r = eval::evaluate_perplexity(shard, c.T, c.B, [&](const Tensor& x, const Tensor& y) {
      EXPECT_EQ(x.shape(), y.shape());
      EXPECT_EQ(x.size(1), c.T);
      rows.push_back(x.size(0));
      return batch_loss(x, y);
    });
    const int64_t windows = (c.n - 1) / c.T;
    EXPECT_EQ(r.tokens, int64_t(want.at("tokens_" + std::to_string(k)).item()));
    EXPECT_EQ(r.tokens, windows * c.T);
    EXPECT_NEAR(r.loss, want.at("loss_" + std::to_string(k)).item(), 1e-6 * std::abs(r.loss)) << "n=" << c.n << " T=" << c.T;
    EXPECT_DOUBLE_EQ(r.ppl, std::exp(r.loss));
    int64_t total = 0;
    for (size_t i = 0; i < rows.size(); ++i) {
      total += rows[i];
      if (i + 1 < rows.size()) {
        EXPECT_EQ(rows[i], c.B);
      }
    }
    EXPECT_EQ(total, windows);
  }
}

TEST(Perplexity, MaxWindowsAndErrors) {
  std::string dir = test::temp_dir();
  std::vector<TokenId> ids(50);
  for (int i = 0; i < 50; ++i) ids[i] = TokenId(i);
  data::write_token_shard(dir + "/v.bin", ids);
  auto shard = data::TokenShard::open(dir + "/v.bin");
  // Loss = mean of the targets' ids: with T=4 the first 3 windows' targets are 1..12.
  auto mean_target = [](const Tensor&, const Tensor& y) {
    double s = 0;
    for (int64_t i = 0; i < y.numel(); ++i) s += y.data<int32_t>()[i];
    return s / double(y.numel());
  };
  auto r = eval::evaluate_perplexity(shard, 4, 2, mean_target, 3);
  EXPECT_EQ(r.tokens, 12);
  EXPECT_DOUBLE_EQ(r.loss, 6.5);
  try {
    eval::evaluate_perplexity(shard, 49, 1, mean_target);
    eval::evaluate_perplexity(shard, 50, 1, mean_target);
    FAIL() << "50 tokens accepted at T=50";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("v.bin"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("T=50"), std::string::npos) << e.what();
  }
  EXPECT_THROW(eval::evaluate_perplexity(shard, 4, 2, [](const Tensor&, const Tensor&) { return NAN; }), Error);
}
