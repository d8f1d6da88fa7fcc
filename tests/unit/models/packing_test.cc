// Packed examples (ForwardOptions::position_ids): several examples in one row, positions
// restarting at 0, no attention across their boundaries. For GPT-2 and Llama (GQA), the
// packed batch's logits, per-token losses and parameter gradients equal those of running
// each example on its own, and equal the PyTorch reference's packed forward
// (tests/reference/models.py `packed`).
#include <gtest/gtest.h>

#include "core/ops/elementwise.h"
#include "core/ops/loss.h"
#include "models/checkpoint.h"
#include "support/oracle.h"
#include "support/tiny_models.h"

using namespace lmf;
using nlohmann::json;

namespace {

// Two rows of T = 16: examples of 5, 8 and 3 tokens; examples of 6 and 4 tokens and 6
// tokens of padding (its own run of positions, targets ignored).
constexpr int64_t kT = 16;
const std::vector<std::vector<int64_t>> kLengths = {{5, 8, 3}, {6, 4, 6}};

struct Example {
  int64_t row, start, len;
};

class Packing : public ::testing::TestWithParam<json> {};

}  // namespace

TEST_P(Packing, EqualsSeparateExamplesAndPyTorch) {
  const json cfg = GetParam();
  const int64_t V = cfg["vocab_size"];
  std::string dir = test::temp_dir();
  test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                  {{"dir", dir}, {"config", cfg}, {"seed", 11}});
  Transformer model = load_model(dir);
  model.set_requires_grad(true);

  const int64_t B = int64_t(kLengths.size());
  std::vector<int32_t> ids, pos, tgt;
  std::vector<Example> examples;
  uint32_t r = 12345;
  auto next = [&] { return r = r * 1664525u + 1013904223u, int32_t((r >> 8) % uint32_t(V)); };
  for (int64_t b = 0; b < B; ++b) {
    int64_t start = 0;
    for (size_t e = 0; e < kLengths[size_t(b)].size(); ++e) {
      const int64_t n = kLengths[size_t(b)][e];
      const bool padding = b == 1 && e == 2;
      if (!padding) examples.push_back({b, start, n});
      for (int64_t i = 0; i < n; ++i) {
        ids.push_back(padding ? 0 : next());
        pos.push_back(int32_t(i));
        tgt.push_back(padding || i < 2 ? -100 : next());  // the first two tokens are a "prompt"
      }
      start += n;
    }
  }
  Tensor x = Tensor::from_ints(ids, {B, kT}), p = Tensor::from_ints(pos, {B, kT}), y = Tensor::from_ints(tgt, {B, kT});

  ForwardOptions fo;
  fo.position_ids = p;
  Tensor logits = model.forward(x, fo);  // (B, T, V)
  Tensor loss = cross_entropy(logits.reshape({B * kT, V}), y.reshape({B * kT}));
  Tensor token_loss = scale(token_logprobs(logits.reshape({B * kT, V}), y.reshape({B * kT})), -1.0f).detach();
  loss.backward();
  std::map<std::string, Tensor> packed_grad;
  for (Param& q : model.params()) {
    ASSERT_TRUE(q.value.grad().defined()) << q.name;
    packed_grad[q.name] = q.value.grad().clone();
    q.value.zero_grad();
  }

  // The reference's packed forward.
  auto ref = test::torch_ref("models", "packed", {{"ids", x}, {"position_ids", p}, {"targets", y}}, {{"dir", dir}});
  EXPECT_LE(test::rel_error(logits.detach(), ref.at("logits")), 1e-4);
  EXPECT_LE(test::rel_error(token_loss, ref.at("token_loss")), 1e-4);
  EXPECT_NEAR(loss.item(), ref.at("loss").item(), 1e-4 * std::abs(ref.at("loss").item()));
  for (const Param& q : model.params()) {
    const Tensor g = q.conv1d ? packed_grad[q.name].transpose(0, 1).contiguous() : packed_grad[q.name];
    EXPECT_LE(test::rel_error(g, ref.at("grad:" + q.name)), 1e-4) << q.name;
  }

  // Each example alone: the same logits and token losses; the loss weighted by its share
  // of the targets gives the same gradients.
  int64_t n_targets = 0;
  for (int32_t t : tgt) n_targets += t != -100;
  for (const Example& e : examples) {
    Tensor xi = x.slice(0, e.row, e.row + 1).slice(1, e.start, e.start + e.len).contiguous();
    Tensor yi = y.slice(0, e.row, e.row + 1).slice(1, e.start, e.start + e.len).contiguous().reshape({e.len});
    Tensor li = model.forward(xi).reshape({e.len, V});
    Tensor want = logits.detach().slice(0, e.row, e.row + 1).slice(1, e.start, e.start + e.len).reshape({e.len, V});
    EXPECT_LE(test::rel_error(want, li.detach()), 1e-4) << "example at row " << e.row << " col " << e.start;
    Tensor ti = scale(token_logprobs(li, yi), -1.0f).detach();
    EXPECT_LE(test::rel_error(token_loss.slice(0, e.row * kT + e.start, e.row * kT + e.start + e.len), ti), 1e-4);
    int64_t n = 0;
    for (int64_t i = 0; i < e.len; ++i) n += tgt[size_t(e.row * kT + e.start + i)] != -100;
    scale(cross_entropy(li, yi), float(n) / float(n_targets)).backward();
  }
  for (const Param& q : model.params())
    EXPECT_LE(test::rel_error(q.value.grad(), packed_grad[q.name]), 1e-4) << q.name;
}

TEST(PackingErrors, PositionIdsMustMatchIdsAndBeNonNegative) {
  Transformer model(ModelConfig::from_json(test::tiny_gpt2_config(), "test config"));
  model.init_weights(1);
  ForwardOptions fo;
  fo.position_ids = Tensor::from_ints({0, 1, 2}, {1, 3});
  EXPECT_THROW(model.forward(Tensor::from_ints({1, 2}, {1, 2}), fo), ShapeError);
  fo.position_ids = Tensor::from_ints({0, -1}, {1, 2});
  EXPECT_THROW(model.forward(Tensor::from_ints({1, 2}, {1, 2}), fo), ShapeError);
  KVCache cache = model.make_cache(1, 8);
  fo.position_ids = Tensor::from_ints({0, 1}, {1, 2});
  fo.cache = &cache;
  EXPECT_THROW(model.forward(Tensor::from_ints({1, 2}, {1, 2}), fo), ShapeError);
}

INSTANTIATE_TEST_SUITE_P(Models, Packing, ::testing::Values(test::tiny_gpt2_config(), test::tiny_llama_config()),
                         [](const auto& info) { return std::string(info.param["model_type"]); });
