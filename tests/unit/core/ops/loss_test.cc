// cross_entropy against PyTorch (tests/reference/ops_loss.py): loss and gradient of the
// logits with a random upstream gradient, over odd row counts and vocabularies (1, 3, 37,
// 101, 65, 50257), ignore_index rows (default −100 and a custom index inside [0, V)), an
// all-ignored batch (loss 0, zero gradient), logits beyond exp's fp32 range, and
// threaded sizes; bad targets and shapes are ShapeErrors.
//
// Gradient checking: the op is fp32 only, so the reference runs in double precision and its
// gradient is checked by torch.autograd.gradcheck (central differences) on the small
// cases; our loss and gradient are compared with the reference's to 1e-4 (reductions).
#include <gtest/gtest.h>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/loss.h"
#include "core/ops/reduce.h"
#include "core/random.h"
#include "support/oracle.h"

using namespace lmf;

namespace {

struct Case {
  int64_t N, V;
  int ignore_index = -100;
  double ignore_frac = 0;  // share of rows whose target is ignore_index
  float scale = 1.0f;      // logits are scale · N(0, 1) + shift
  float shift = 0.0f;
};

Tensor random_targets(const Case& c, uint64_t seed) {
  std::vector<int32_t> v(size_t(c.N));
  for (size_t i = 0; i < v.size(); ++i) {
    bool ignored = Philox::uniform_at(seed + 1, i) < c.ignore_frac;
    v[i] = ignored ? c.ignore_index : int32_t(Philox::uniform_at(seed, i) * float(c.V)) % int32_t(c.V);
  }
  return Tensor::from_ints(v, {c.N});
}

}  // namespace

TEST(OpsLoss, CrossEntropyMatchesTorch) {
  std::vector<Case> cases{
      {3, 37},
      {1, 1},
      {5, 3, -100, 0.4},
      {37, 101, -100, 0.3},
      {7, 11, 4, 0.5},            // ignore_index inside [0, V)
      {6, 13, -100, 1.0},         // every row ignored
      {9, 65, -1, 0.2, 30.0f},    // sharp distributions
      {4, 37, -100, 0, 1.0f, 200.0f},  // logits beyond exp's range
      {101, 50257, -100, 0.1, 2.0f},   // GPT-2 vocabulary, threaded
  };
  test::TensorMap in;
  nlohmann::json jc = nlohmann::json::array();
  std::vector<Tensor> losses, logits;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    std::string p = "c" + std::to_string(i) + ".";
    Tensor raw = Tensor::randn({c.N, c.V}, 40 + i, c.scale);
    Tensor x = add_scalar(raw, c.shift).detach();
    Tensor t = random_targets(c, 50 + i);
    Tensor g = Tensor::randn({}, 60 + i);
    in[p + "logits"] = x.clone();
    in[p + "targets"] = t;
    in[p + "g"] = g;
    x.set_requires_grad(true);
    Tensor loss = cross_entropy(x, t, c.ignore_index);
    EXPECT_EQ(loss.dim(), 0);
    mul(loss, g).backward();
    losses.push_back(loss.detach());
    logits.push_back(x);
    jc.push_back({{"ignore_index", c.ignore_index}});
  }
  test::TensorMap ref = test::torch_ref("ops_loss", "cases", in, {{"cases", jc}});
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string p = "c" + std::to_string(i) + ".";
    SCOPED_TRACE("case " + std::to_string(i) + ": N=" + std::to_string(cases[i].N) + " V=" +
                 std::to_string(cases[i].V));
    EXPECT_LE(test::rel_error(losses[i], ref[p + "loss"]), 1e-4) << losses[i].item() << " vs " << ref[p + "loss"].item();
    ASSERT_TRUE(logits[i].grad().defined());
    EXPECT_LE(test::rel_error(logits[i].grad(), ref[p + "dlogits"]), 1e-4);
    if (ref.count(p + "gradcheck")) EXPECT_EQ(ref[p + "gradcheck"].item(), 1.0f);
  }
  // The all-ignored batch: exactly zero loss and gradient (rel_error alone could not tell).
  EXPECT_EQ(losses[5].item(), 0.0f);
  for (float v : logits[5].grad().to_vector()) EXPECT_EQ(v, 0.0f);
}

TEST(OpsLoss, BadTargetsAndShapesAreShapeErrors) {
  Tensor x = Tensor::randn({3, 65}, 1);
  for (int32_t bad : {65, -1, 70000}) {
    try {
      cross_entropy(x, Tensor::from_ints({1, 2, bad}, {3}));
      FAIL() << "no error for target " << bad;
    } catch (const ShapeError& e) {
      std::string m = e.what();
      EXPECT_EQ(m.find("cross_entropy"), 0u) << m;
      EXPECT_NE(m.find("target " + std::to_string(bad)), std::string::npos) << m;
      EXPECT_NE(m.find("row 2"), std::string::npos) << m;
    }
  }
  EXPECT_NO_THROW(cross_entropy(x, Tensor::from_ints({1, -100, 2}, {3})));
  try {
    cross_entropy(x, Tensor::from_ints({1, 2}, {2}));
    FAIL() << "no error";
  } catch (const ShapeError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("[3, 65]"), std::string::npos) << m;
    EXPECT_NE(m.find("[2]"), std::string::npos) << m;
  }
  EXPECT_THROW(cross_entropy(x, Tensor::randn({3}, 1)), ShapeError);  // float targets
  EXPECT_THROW(cross_entropy(Tensor::randn({65}, 1), Tensor::from_ints({1}, {1})), ShapeError);
}

// token_logprobs against PyTorch's log_softmax(x).gather(1, t) (ignored rows 0), with a
// random upstream gradient per row; the GPT-2 case runs threaded.
TEST(OpsLoss, TokenLogprobsMatchTorch) {
  std::vector<Case> cases{{3, 37}, {1, 1}, {37, 101, -100, 0.3}, {9, 65, -1, 0.2, 30.0f},
                          {4, 37, -100, 0, 1.0f, 200.0f}, {33, 50257, -100, 0.1, 2.0f}};
  test::TensorMap in;
  nlohmann::json jc = nlohmann::json::array();
  std::vector<Tensor> outs, logits;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    std::string p = "c" + std::to_string(i) + ".";
    Tensor x = add_scalar(Tensor::randn({c.N, c.V}, 140 + i, c.scale), c.shift).detach();
    Tensor t = random_targets(c, 150 + i);
    Tensor g = Tensor::randn({c.N}, 160 + i);
    in[p + "logits"] = x.clone();
    in[p + "targets"] = t;
    in[p + "g"] = g;
    x.set_requires_grad(true);
    Tensor lp = token_logprobs(x, t, c.ignore_index);
    ASSERT_EQ(lp.shape(), Shape({c.N}));
    sum(mul(lp, g)).backward();
    outs.push_back(lp.detach());
    logits.push_back(x);
    jc.push_back({{"ignore_index", c.ignore_index}});
  }
  test::TensorMap ref = test::torch_ref("ops_loss", "token_logprobs", in, {{"cases", jc}});
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string p = "c" + std::to_string(i) + ".";
    SCOPED_TRACE("case " + std::to_string(i));
    EXPECT_LE(test::rel_error(outs[i], ref[p + "logprobs"]), 1e-5);
    EXPECT_LE(test::rel_error(logits[i].grad(), ref[p + "dlogits"]), 1e-4);
  }
  EXPECT_THROW(token_logprobs(Tensor::randn({3, 65}, 1), Tensor::from_ints({1, 2, 65}, {3})), ShapeError);
}
