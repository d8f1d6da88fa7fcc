// DPO through whole models against PyTorch (tests/reference/dpo.py `model_grads`): on fixed
// pairs (prompts and responses of different lengths, batched chosen-then-rejected and
// right-padded by make_scored_batch), the summed response log-probabilities of policy and
// reference, the DPO loss and its gradient with respect to every weight of a tiny GPT-2
// and a tiny Llama (GQA, untied head) equal the reference's to 1e-4. With LoRA, the
// reference is the same model with the adapter's hooks off, and the gradient of every
// adapter tensor matches; the base gets none.
#include <gtest/gtest.h>

#include "align/sequence_logprob.h"
#include "core/autograd.h"
#include "core/ops/preference_loss.h"
#include "finetune/peft.h"
#include "models/checkpoint.h"
#include "support/oracle.h"
#include "support/tiny_models.h"

using namespace lmf;
using nlohmann::json;

namespace {

constexpr float kBeta = 0.1f;

// Three pairs: prompts of 2, 5 and 1 tokens; chosen and rejected responses of 1 .. 6.
align::ScoredBatch fixed_pairs(int64_t V) {
  const std::vector<int64_t> P{2, 5, 1}, C{4, 1, 6}, R{3, 5, 2};
  uint32_t r = 4242;
  auto ids = [&](int64_t n) {
    align::Ids v;
    for (int64_t i = 0; i < n; ++i) v.push_back(int32_t(((r = r * 1664525u + 1013904223u) >> 8) % uint32_t(V)));
    return v;
  };
  std::vector<align::Ids> prompts, chosen, rejected;
  for (size_t i = 0; i < P.size(); ++i) {
    prompts.push_back(ids(P[i]));
    chosen.push_back(ids(C[i]));
    rejected.push_back(ids(R[i]));
  }
  std::vector<align::Ids> all_prompts = prompts, responses = chosen;
  all_prompts.insert(all_prompts.end(), prompts.begin(), prompts.end());
  responses.insert(responses.end(), rejected.begin(), rejected.end());
  return align::make_scored_batch(all_prompts, responses, 31);
}

// DPO loss of the batch (chosen rows first) from the policy's log-probabilities and the
// reference's (constants); returns the loss, and both log-probability vectors.
Tensor dpo_of(Transformer& policy, const std::function<Tensor()>& ref_logps, const align::ScoredBatch& b,
              Tensor& policy_lp, Tensor& ref_lp) {
  const int64_t N = b.ids.size(0) / 2;
  {
    autograd::NoGradGuard ng;
    ref_lp = ref_logps();
  }
  policy_lp = align::response_logprobs(policy, b);
  return dpo_loss(policy_lp.slice(0, 0, N), policy_lp.slice(0, N, 2 * N), ref_lp.slice(0, 0, N),
                  ref_lp.slice(0, N, 2 * N), kBeta);
}

// The reference's `model_grads` of batch b (`models`: policy_dir and ref_dir, or policy_dir
// and adapter_dir): the policy's and the reference's log-probabilities and the loss equal it
// to 1e-4, and the pairs are not trivially separated (the loss is away from both 0 and
// log 2). Returns the reference's tensors, the gradients among them.
test::TensorMap expect_loss_like_torch(const align::ScoredBatch& b, json models, const Tensor& policy_lp,
                                       const Tensor& ref_lp, const Tensor& loss) {
  models["beta"] = kBeta;
  test::TensorMap want = test::torch_ref("dpo", "model_grads", {{"ids", b.ids}, {"targets", b.targets}}, models);
  EXPECT_LE(test::rel_error(policy_lp.detach(), want.at("policy_logps")), 1e-4);
  EXPECT_LE(test::rel_error(ref_lp, want.at("ref_logps")), 1e-4);
  EXPECT_NEAR(loss.item(), want.at("loss").item(), 1e-4 * std::abs(want.at("loss").item()));
  EXPECT_GT(std::abs(loss.item() - std::log(2.0)), 1e-3);
  return want;
}

class DpoGradient : public ::testing::TestWithParam<json> {};

}  // namespace

TEST_P(DpoGradient, FullModelMatchesPyTorch) {
  const json cfg = GetParam();
  const std::string dir = test::temp_dir();
  test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                  {{"dir", dir + "/policy"}, {"config", cfg}, {"seed", 11}});
  test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                  {{"dir", dir + "/ref"}, {"config", cfg}, {"seed", 12}});
  Transformer policy = load_model(dir + "/policy"), ref = load_model(dir + "/ref");
  policy.set_requires_grad(true);
  const align::ScoredBatch b = fixed_pairs(cfg["vocab_size"]);
  Tensor plp, rlp;
  Tensor loss = dpo_of(policy, [&] { return align::response_logprobs(ref, b); }, b, plp, rlp);
  loss.backward();

  const test::TensorMap want =
      expect_loss_like_torch(b, {{"policy_dir", dir + "/policy"}, {"ref_dir", dir + "/ref"}}, plp, rlp, loss);
  for (const Param& q : policy.params()) {
    ASSERT_TRUE(q.value.grad().defined()) << q.name;
    const Tensor g = q.conv1d ? q.value.grad().transpose(0, 1).contiguous() : q.value.grad();
    EXPECT_LE(test::rel_error(g, want.at("grad:" + q.name)), 1e-4) << q.name;
  }
  for (const Param& q : ref.params()) EXPECT_FALSE(q.value.grad().defined()) << "reference " << q.name;
}

TEST_P(DpoGradient, LoraMatchesPyTorchWithTheBaseAsReference) {
  const json cfg = GetParam();
  const std::string dir = test::temp_dir();
  const json acfg = {{"peft_type", "LORA"}, {"r", 4}, {"lora_alpha", 8}, {"lora_dropout", 0.0}, {"bias", "none"},
                     {"target_modules", {"c_attn", "c_fc", "q_proj", "v_proj", "down_proj"}}};
  test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                  {{"dir", dir + "/model"}, {"config", cfg}, {"seed", 11}});
  test::torch_ref("dpo", "write_adapter", {{"dummy", Tensor::zeros({1})}},
                  {{"dir", dir + "/adapter"}, {"config", cfg}, {"adapter_config", acfg}, {"seed", 5}});
  Transformer model = load_model(dir + "/model");
  std::unique_ptr<ft::PeftMethod> m = ft::load_adapter(model, dir + "/adapter");
  ft::freeze(model);
  model.set_hooks(m.get());
  const align::ScoredBatch b = fixed_pairs(cfg["vocab_size"]);
  Tensor plp, rlp;
  Tensor loss = dpo_of(
      model,
      [&] {
        model.set_hooks(nullptr);
        Tensor lp = align::response_logprobs(model, b);
        model.set_hooks(m.get());
        return lp;
      },
      b, plp, rlp);
  loss.backward();

  const test::TensorMap want =
      expect_loss_like_torch(b, {{"policy_dir", dir + "/model"}, {"adapter_dir", dir + "/adapter"}}, plp, rlp, loss);
  ASSERT_FALSE(m->tensors().empty());
  for (const auto& [name, t] : m->tensors()) {
    ASSERT_TRUE(t.grad().defined()) << name;
    EXPECT_LE(test::rel_error(t.grad(), want.at("grad:" + name)), 1e-4) << name;
  }
  for (const Param& q : model.params()) EXPECT_FALSE(q.value.grad().defined()) << q.name << " is frozen";
}

// The windowed head of response_logprobs equals the sum of response_token_logprobs (the
// full logits), so skipping the prompt's logits changes nothing.
TEST_P(DpoGradient, ResponseLogprobsEqualFullLogitsSum) {
  Transformer model(ModelConfig::from_json(GetParam(), "test config"));
  model.init_weights(3);
  const align::ScoredBatch b = fixed_pairs(GetParam()["vocab_size"]);
  autograd::NoGradGuard ng;
  Tensor full = align::response_token_logprobs(model, b);  // (2N, T)
  std::vector<float> want(size_t(full.size(0)), 0.0f);
  const std::vector<float> v = full.contiguous().to_vector();
  for (int64_t n = 0; n < full.size(0); ++n)
    for (int64_t t = 0; t < full.size(1); ++t) want[size_t(n)] += v[size_t(n * full.size(1) + t)];
  EXPECT_LE(test::rel_error(align::response_logprobs(model, b), Tensor::from_vector(want, {full.size(0)})), 1e-5);
}

INSTANTIATE_TEST_SUITE_P(Models, DpoGradient, ::testing::Values(test::tiny_gpt2_config(), test::tiny_llama_config()),
                         [](const auto& info) { return std::string(info.param["model_type"]); });
