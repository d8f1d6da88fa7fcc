// The fused PPO objective (core/ops/ppo_loss.h) against the PyTorch reference
// (tests/reference/ppo.py): loss, gradients of the log-probs and values, and TRL's stats,
// on rollout-like batches where both the clipped and unclipped sides of the policy and the
// value loss are taken (ratios far from 1, values far from the old ones), ragged masks,
// several clip ranges and vf_coef; an empty mask gives 0 and zero gradients.
//
// End to end on a tiny GPT-2 with a value head: rewards with the KL penalty and the score
// at the last response token → GAE → the clipped loss of the model's current log-probs and
// values (align/rollout.h's policy_forward) → gradients of every model weight and of the
// value head, all equal to the reference's.
#include <gtest/gtest.h>

#include "align/gae.h"
#include "align/ppo.h"
#include "align/rollout.h"
#include "align/value_head.h"
#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/ppo_loss.h"
#include "core/threads.h"
#include "io/safetensors.h"
#include "models/checkpoint.h"
#include "support/oracle.h"

using namespace lmf;
using json = nlohmann::json;

namespace {

Tensor mask_of(int64_t N, int64_t T, uint64_t seed) {
  std::vector<float> m;
  for (int64_t n = 0; n < N; ++n) {
    const int64_t start = (n * 3 + int64_t(seed)) % (T / 2), len = 1 + (n * 5 + int64_t(seed)) % (T - start);
    for (int64_t t = 0; t < T; ++t) m.push_back(t >= start && t < start + len);
  }
  return Tensor::from_vector(m, {N, T});
}

}  // namespace

TEST(PpoLoss, MatchesTorch) {
  threads::set(1);
  struct Case {
    int64_t N, T;
    PpoLossOptions o;
  };
  const std::vector<Case> cases{{4, 9, {0.2f, 0.2f, 0.1f}}, {1, 5, {0.1f, 0.5f, 1.0f}}, {7, 23, {0.3f, 0.05f, 0.5f}},
                                {16, 64, {0.2f, 0.2f, 0.1f}}};
  test::TensorMap in;
  json jc = json::array();
  std::vector<Tensor> losses, dlogp, dvalues;
  std::vector<PpoLossStats> stats;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const std::string p = "c" + std::to_string(i) + ".";
    const uint64_t s = 100 + 10 * i;
    Tensor logp = add_scalar(Tensor::randn({c.N, c.T}, s, 0.5f), -2.0f).detach();
    Tensor old_logp = add(logp, Tensor::randn({c.N, c.T}, s + 1, 0.4f)).detach();
    Tensor values = Tensor::randn({c.N, c.T}, s + 2);
    Tensor old_values = add(values, Tensor::randn({c.N, c.T}, s + 3, 0.4f)).detach();
    Tensor adv = Tensor::randn({c.N, c.T}, s + 4), ret = Tensor::randn({c.N, c.T}, s + 5, 1.5f);
    Tensor mask = mask_of(c.N, c.T, i);
    Tensor g = Tensor::randn({}, s + 6);
    for (auto [k, v] : std::vector<std::pair<std::string, Tensor>>{{"logp", logp}, {"values", values}, {"old_logp", old_logp},
                                                                   {"old_values", old_values}, {"advantages", adv},
                                                                   {"returns", ret}, {"mask", mask}, {"g", g}})
      in[p + k] = v.clone();
    logp.set_requires_grad(true);
    values.set_requires_grad(true);
    PpoLossStats st;
    Tensor loss = ppo_loss(logp, values, old_logp, old_values, adv, ret, mask, c.o, &st);
    EXPECT_EQ(loss.dim(), 0);
    mul(loss, g).backward();
    losses.push_back(loss.detach());
    dlogp.push_back(logp.grad());
    dvalues.push_back(values.grad());
    stats.push_back(st);
    jc.push_back({{"cliprange", c.o.cliprange}, {"cliprange_value", c.o.cliprange_value}, {"vf_coef", c.o.vf_coef}});
  }
  auto ref = test::torch_ref("ppo", "loss", in, {{"cases", jc}});
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string p = "c" + std::to_string(i) + ".";
    SCOPED_TRACE("case " + std::to_string(i));
    EXPECT_LE(test::rel_error(losses[i], ref.at(p + "loss")), 1e-4) << losses[i].item() << " vs " << ref.at(p + "loss").item();
    EXPECT_LE(test::rel_error(dlogp[i], ref.at(p + "dlogp")), 1e-4);
    EXPECT_LE(test::rel_error(dvalues[i], ref.at(p + "dvalues")), 1e-4);
    const PpoLossStats& s = stats[i];
    EXPECT_NEAR(s.pg_loss, ref.at(p + "pg_loss").item(), 1e-4 * std::abs(ref.at(p + "pg_loss").item()) + 1e-7);
    EXPECT_NEAR(s.vf_loss, ref.at(p + "vf_loss").item(), 1e-4 * std::abs(ref.at(p + "vf_loss").item()));
    EXPECT_NEAR(s.pg_clipfrac, ref.at(p + "pg_clipfrac").item(), 1e-6);
    EXPECT_NEAR(s.vf_clipfrac, ref.at(p + "vf_clipfrac").item(), 1e-6);
    EXPECT_NEAR(s.approx_kl, ref.at(p + "approx_kl").item(), 1e-4 * ref.at(p + "approx_kl").item());
    EXPECT_NEAR(s.policy_kl, ref.at(p + "policy_kl").item(), 1e-4 * std::abs(ref.at(p + "policy_kl").item()) + 1e-7);
    EXPECT_NEAR(s.ratio_mean, ref.at(p + "ratio_mean").item(), 1e-4 * ref.at(p + "ratio_mean").item());
    // The batch exercises both sides of both max()es.
    EXPECT_GT(s.pg_clipfrac, 0.0);
    EXPECT_LT(s.pg_clipfrac, 1.0);
    if (cases[i].N * cases[i].T > 20) {
      EXPECT_GT(s.vf_clipfrac, 0.0);
      EXPECT_LT(s.vf_clipfrac, 1.0);
    }
  }
}

TEST(PpoLoss, EmptyMaskAndBadShapes) {
  Tensor logp = Tensor::randn({2, 3}, 1).set_requires_grad(true), v = Tensor::randn({2, 3}, 2).set_requires_grad(true);
  Tensor z = Tensor::zeros({2, 3});
  Tensor loss = ppo_loss(logp, v, z, z, z, z, z);
  EXPECT_EQ(loss.item(), 0.0f);
  loss.backward();
  for (float x : logp.grad().to_vector()) EXPECT_EQ(x, 0.0f);
  for (float x : v.grad().to_vector()) EXPECT_EQ(x, 0.0f);
  EXPECT_THROW(ppo_loss(logp, v, z, z, z, z, Tensor::zeros({2, 4})), ShapeError);
  EXPECT_THROW(ppo_loss(Tensor::zeros({6}), v, z, z, z, z, z), ShapeError);
}

TEST(PpoLoss, EndToEndThroughTinyModelMatchesTorch) {
  threads::set(1);
  const json cfg{{"model_type", "gpt2"}, {"vocab_size", 41}, {"n_positions", 24}, {"n_embd", 16},
                 {"n_layer", 2},         {"n_head", 2}};
  const std::string dir = test::temp_dir() + "/model";
  // Four rollouts of ragged prompt and response lengths.
  const std::vector<align::Ids> prompts{{3, 7, 1}, {5}, {9, 9, 2, 30, 4}, {11, 12}};
  const std::vector<align::Ids> responses{{4, 8, 15, 16}, {23, 38, 1, 2, 3, 4, 5}, {6}, {40, 0, 17}};
  const align::ScoredBatch b = align::make_scored_batch(prompts, responses, 24);
  const int64_t N = b.ids.size(0), T = b.ids.size(1);
  const Tensor mask = align::response_mask(b);
  const std::vector<double> scores{1.0, 0.0, -0.5, 2.0};
  std::vector<float> lastv;
  for (int64_t n = 0; n < N; ++n) lastv.push_back(float(b.prompt_len[size_t(n)] + b.response_len[size_t(n)] - 2));
  const Tensor vh_w = Tensor::randn({1, 16}, 5, 0.3f), vh_b = Tensor::randn({1}, 6, 0.3f);
  // The model is written by the reference; its current log-probs, perturbed, play the
  // rollout's old and reference log-probs, so ratios stray beyond the clip range.
  test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                  {{"dir", dir}, {"config", cfg}, {"seed", 4}});
  Transformer model = load_model(dir);
  align::ValueHead vh = align::ValueHead::load([&] {
    const std::string p = test::temp_dir() + "/value_head.safetensors";
    io::save_safetensors(p, {{"v_head.summary.weight", vh_w}, {"v_head.summary.bias", vh_b}});
    return p;
  }(), 16);
  Tensor cur_logp, cur_values;
  {
    autograd::NoGradGuard ng;
    align::PolicyOutput po = align::policy_forward(model, vh, b);
    cur_logp = po.logp;
    cur_values = po.values;
  }
  const Tensor old_logp = mul(add(cur_logp, Tensor::randn({N, T}, 7, 0.3f)), mask).detach();
  const Tensor ref_logp = mul(add(cur_logp, Tensor::randn({N, T}, 8, 0.5f)), mask).detach();
  const Tensor old_values = mul(add(cur_values, Tensor::randn({N, T}, 9, 0.4f)), mask).detach();
  const double beta = 0.15;
  PpoLossOptions lo{0.2f, 0.2f, 0.5f};
  align::GaeOptions go;
  go.gamma = 0.99;
  go.lam = 0.9;
  go.whiten_rewards = true;

  double mean_kl = 0;
  const Tensor rewards = align::kl_penalty_rewards(old_logp, ref_logp, mask, b, scores, beta, &mean_kl);
  const align::Gae g = align::compute_gae(rewards, old_values, mask, go);
  model.set_requires_grad(true);
  vh.set_requires_grad(true);
  align::PolicyOutput po = align::policy_forward(model, vh, b);
  PpoLossStats st;
  Tensor loss = ppo_loss(po.logp, po.values, old_logp, old_values, g.advantages, g.returns, mask, lo, &st);
  loss.backward();

  auto ref = test::torch_ref(
      "ppo", "end_to_end",
      {{"ids", b.ids}, {"targets", b.targets}, {"old_logp", old_logp}, {"ref_logp", ref_logp}, {"old_values", old_values},
       {"scores", Tensor::from_vector(std::vector<float>(scores.begin(), scores.end()), {N})},
       {"last", Tensor::from_vector(lastv, {N})}, {"vh_w", vh_w}, {"vh_b", vh_b}},
      {{"model_dir", dir}, {"beta", beta}, {"gamma", go.gamma}, {"lam", go.lam},
       {"whiten_rewards", true}, {"cliprange", lo.cliprange}, {"cliprange_value", lo.cliprange_value},
       {"vf_coef", lo.vf_coef}});
  EXPECT_LE(test::rel_error(rewards, ref.at("rewards")), 1e-4);
  EXPECT_NEAR(mean_kl, ref.at("mean_kl").item(), 1e-4 * std::abs(ref.at("mean_kl").item()));
  EXPECT_LE(test::rel_error(g.advantages, ref.at("advantages")), 1e-4);
  EXPECT_LE(test::rel_error(g.returns, ref.at("returns")), 1e-4);
  EXPECT_LE(test::rel_error(po.logp.detach(), ref.at("logp")), 1e-4);
  EXPECT_LE(test::rel_error(po.values.detach(), ref.at("values")), 1e-4);
  EXPECT_NEAR(loss.item(), ref.at("loss").item(), 1e-4 * std::abs(ref.at("loss").item()));
  EXPECT_GT(st.pg_clipfrac, 0.0);  // both sides of the clipped objective are in play
  EXPECT_LT(st.pg_clipfrac, 1.0);
  for (const Param& p : model.params()) {
    SCOPED_TRACE(p.name);
    ASSERT_TRUE(p.value.grad().defined());
    const Tensor& want = ref.at("grad:" + p.name);
    EXPECT_LE(test::rel_error(p.conv1d ? p.value.grad().transpose(0, 1).contiguous() : p.value.grad(), want), 1e-4);
  }
  for (const auto& [name, t] : vh.tensors()) {
    SCOPED_TRACE(name);
    ASSERT_TRUE(t.grad().defined());
    EXPECT_LE(test::rel_error(t.grad(), ref.at("grad:" + name)), 1e-4);
  }
}
