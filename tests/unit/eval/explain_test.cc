// Explanations (eval/explain.h) against the PyTorch reference (tests/reference/explain.py,
// written from the definitions): for a GPT-2 and a grouped-query Llama with random
// weights, the gradient of the target's log-probability with respect to the input
// embeddings, gradient × input and its norm, each layer's attention probabilities, the
// attention rollout and the logit lens equal PyTorch's; and the prompt and target errors
// a user can make are caught with clear messages.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <optional>

#include "core/error.h"
#include "eval/attention_rollout.h"
#include "eval/attribution.h"
#include "eval/explain.h"
#include "eval/logit_lens.h"
#include "models/checkpoint.h"
#include "support/byte_tokenizer.h"
#include "support/oracle.h"
#include "support/tiny_models.h"

using namespace lmf;
using nlohmann::json;

namespace {

Tensor doubles(const std::vector<double>& v) {
  std::vector<float> f(v.begin(), v.end());
  return Tensor::from_vector(f, {int64_t(f.size())});
}

class ExplainParity : public ::testing::TestWithParam<json> {};

}  // namespace

TEST_P(ExplainParity, GradientsRolloutAndLogitLensMatchPyTorch) {
  const json cfg = GetParam();
  const std::string dir = test::temp_dir() + "/ref";
  test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                  {{"dir", dir}, {"config", cfg}, {"seed", 5}});
  Transformer model = load_model(dir);
  const std::vector<int32_t> ids = {3, 41, 17, 0, 88, 52, 9, 41, 70, 26, 5};
  const int64_t T = int64_t(ids.size()), L = model.config().n_layer, H = model.config().n_head;
  const std::vector<std::optional<int32_t>> targets = {std::nullopt, 12};
  auto ref = test::torch_ref("explain", "explain", {{"ids", Tensor::from_ints(ids, {1, T})}},
                             {{"dir", dir}, {"targets", json::array({-1, 12})}});
  for (size_t i = 0; i < targets.size(); ++i) {
    const std::optional<int32_t> target = targets[i];
    const std::string n = ":" + std::to_string(i);
    SCOPED_TRACE(target ? "target 12" : "argmax target");

    ForwardTrace trace;
    const eval::InputGradients g = eval::input_gradients(model, ids, target, &trace);
    EXPECT_EQ(g.target, int32_t(ref.at("target" + n).to_vector()[0]));
    EXPECT_NEAR(g.score, ref.at("score" + n).item(), 1e-4);
    EXPECT_LE(test::rel_error(g.gradient, ref.at("gradient" + n)), 1e-4);
    EXPECT_LE(test::rel_error(doubles(g.x_input), ref.at("grad_x_input" + n)), 1e-4);
    EXPECT_LE(test::rel_error(doubles(g.norm), ref.at("grad_norm" + n)), 1e-4);
    for (const Param& p : model.params()) {  // the parameters took no gradient and keep their flags
      EXPECT_TRUE(p.value.requires_grad()) << p.name;
      EXPECT_FALSE(p.value.grad().defined()) << p.name;
    }

    ASSERT_EQ(int64_t(trace.queries.size()), L);
    std::vector<Tensor> probs;
    for (int64_t l = 0; l < L; ++l) {
      probs.push_back(eval::attention_probabilities(trace.queries[size_t(l)], trace.keys[size_t(l)]));
      EXPECT_LE(test::rel_error(probs.back().reshape({H, T, T}), ref.at("probs:" + std::to_string(l))), 1e-4) << l;
    }
    EXPECT_LE(test::rel_error(doubles(eval::attention_rollout(probs, T - 1)), ref.at("rollout")), 1e-4);

    const std::vector<eval::LensLayer> lens = eval::logit_lens(model, trace, 5, g.target);
    ASSERT_EQ(int64_t(lens.size()), L + 1);
    const Tensor want = ref.at("lens");  // (L + 1, V) log-probabilities
    const int64_t V = want.size(1);
    for (int64_t l = 0; l <= L; ++l) {
      const std::vector<float> w = want.slice(0, l, l + 1).to_vector();
      EXPECT_LE(test::rel_error(doubles(lens[size_t(l)].logprobs), Tensor::from_vector(w, {V})), 1e-4) << l;
      std::vector<int32_t> order(w.size());
      for (size_t v = 0; v < w.size(); ++v) order[v] = int32_t(v);
      std::stable_sort(order.begin(), order.end(), [&](int32_t a, int32_t b) { return w[size_t(a)] > w[size_t(b)]; });
      ASSERT_EQ(lens[size_t(l)].top.size(), 5u);
      for (size_t k = 0; k < 5; ++k) {
        EXPECT_EQ(lens[size_t(l)].top[k].id, order[k]) << "layer " << l << " rank " << k;
        EXPECT_NEAR(lens[size_t(l)].top[k].prob, std::exp(w[size_t(order[k])]), 1e-5);
      }
      EXPECT_NEAR(lens[size_t(l)].target_prob, std::exp(w[size_t(g.target)]), 1e-5);
    }
    // The last layer's lens is the model's own prediction: its top token is the argmax target.
    if (!target) {
      EXPECT_EQ(lens.back().top[0].id, g.target);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Families, ExplainParity,
                         ::testing::Values(test::tiny_gpt2_config({.vocab = 101, .width = 48, .positions = 64}),
                                           test::tiny_llama_config({.vocab = 97, .width = 48, .mlp = 100})),
                         [](const auto& info) { return info.param["model_type"].template get<std::string>(); });

TEST(AttentionRollout, RowsAreDistributionsAndShapesAreChecked) {
  // One layer, one head attending only to position 0: Â = 0.5·A + 0.5·I.
  Tensor p = Tensor::zeros({1, 1, 3, 3});
  for (int t = 0; t < 3; ++t) p.f32()[t * 3] = 1.0f;
  const std::vector<double> want = {1, 0, 0, 0.5, 0.5, 0, 0.5, 0, 0.5};
  for (int64_t t = 0; t < 3; ++t) {
    const std::vector<double> r = eval::attention_rollout({p}, t);
    for (int64_t s = 0; s < 3; ++s) EXPECT_NEAR(r[size_t(s)], want[size_t(t * 3 + s)], 1e-12) << t << " " << s;
  }
  // Two such layers: row 2 of Â·Â = [0.75, 0, 0.25].
  const std::vector<double> r2 = eval::attention_rollout({p, p}, 2);
  EXPECT_NEAR(r2[0], 0.75, 1e-12);
  EXPECT_NEAR(r2[1], 0.0, 1e-12);
  EXPECT_NEAR(r2[2], 0.25, 1e-12);
  EXPECT_THROW(eval::attention_rollout({}, 0), ShapeError);
  EXPECT_THROW(eval::attention_rollout({p}, 3), ShapeError);
  EXPECT_THROW(eval::attention_rollout({p, Tensor::zeros({1, 1, 2, 2})}, 0), ShapeError);
}

TEST(Explain, PromptAndTargetErrorsAreClear) {
  Transformer model(ModelConfig::from_json(test::tiny_gpt2_config({.vocab = 257, .positions = 16}), "test"));
  model.init_weights(1);
  const tok::Tokenizer tk = test::byte_tokenizer(false);
  auto message = [&](const eval::ExplainOptions& o) -> std::string {
    try {
      eval::explain(model, tk, o);
    } catch (const Error& e) {
      return e.what();
    }
    return "";
  };
  EXPECT_NE(message({.prompt = "", .target = ""}).find("empty"), std::string::npos);
  EXPECT_NE(message({.prompt = std::string(17, 'a'), .target = ""}).find("17 tokens, longer than the model's context of 16"),
            std::string::npos);
  EXPECT_NE(message({.prompt = "hi", .target = "ab"}).find("'ab' is not a token"), std::string::npos);
  EXPECT_EQ(message({.prompt = std::string(16, 'a'), .target = ""}), "");

  EXPECT_EQ(eval::resolve_target(tk, "\xC4\xA0"), 32);  // "Ġ", the vocabulary string of a space
  EXPECT_EQ(eval::resolve_target(tk, " "), 32);
  EXPECT_EQ(eval::resolve_target(tk, "<|endoftext|>"), 256);

  const eval::Explanation e = eval::explain(model, tk, {.prompt = "the cat", .target = "s", .top_k = 3});
  EXPECT_EQ(e.ids.size(), 7u);
  EXPECT_EQ(e.target, 's');
  EXPECT_TRUE(e.target_given);
  EXPECT_EQ(e.lens.size(), 3u);
  double rollout_sum = 0;
  for (double r : e.rollout) rollout_sum += r;
  EXPECT_NEAR(rollout_sum, 1.0, 1e-9);
  EXPECT_NEAR(e.lens.back().target_prob, std::exp(e.target_logprob), 1e-6);
}
