// GAE, masked whitening and the KL coefficient controllers against the PyTorch reference
// (tests/reference/ppo.py, TRL's definitions): ragged masks (a prompt before and padding
// after each response, as the rollout layout has them), γ/λ settings including γ = 1,
// λ = 1 and λ = 0, with and without reward whitening; the adaptive controller through
// KLs inside and beyond the ±20 % clip, and the fixed one.
#include <gtest/gtest.h>

#include "align/gae.h"
#include "align/kl_controller.h"
#include "core/threads.h"
#include "support/oracle.h"

using namespace lmf;

namespace {

// Row n: prompt_len[n] − 1 masked columns, then response_len[n] ones, then zeros.
Tensor ragged_mask(const std::vector<int64_t>& prompt_len, const std::vector<int64_t>& response_len, int64_t T) {
  std::vector<float> m;
  for (size_t n = 0; n < prompt_len.size(); ++n)
    for (int64_t t = 0; t < T; ++t) m.push_back(t >= prompt_len[n] - 1 && t < prompt_len[n] - 1 + response_len[n]);
  return Tensor::from_vector(m, {int64_t(prompt_len.size()), T});
}

}  // namespace

TEST(PpoGae, MatchesTorch) {
  threads::set(1);
  const Tensor mask = ragged_mask({3, 1, 5, 2}, {6, 9, 1, 4}, 11);
  const Tensor rewards = Tensor::randn({4, 11}, 21, 0.7f), values = Tensor::randn({4, 11}, 22, 1.3f);
  struct Setting {
    double gamma, lam;
    bool whiten;
  };
  const std::vector<Setting> settings{{1.0, 0.95, false}, {0.99, 0.9, true}, {1.0, 1.0, false}, {0.9, 0.0, true}};
  nlohmann::json cases = nlohmann::json::array();
  for (const Setting& s : settings) cases.push_back({{"gamma", s.gamma}, {"lam", s.lam}, {"whiten_rewards", s.whiten}});
  auto ref = test::torch_ref("ppo", "gae", {{"rewards", rewards}, {"values", values}, {"mask", mask}}, {{"cases", cases}});
  EXPECT_LE(test::rel_error(align::masked_whiten(rewards, mask), ref.at("whiten")), 1e-4);
  EXPECT_LE(test::rel_error(align::masked_whiten(rewards, mask, false), ref.at("whiten_keep_mean")), 1e-4);
  for (size_t i = 0; i < settings.size(); ++i) {
    const Setting& s = settings[i];
    SCOPED_TRACE("gamma " + std::to_string(s.gamma) + " lam " + std::to_string(s.lam) + " whiten " +
                 std::to_string(s.whiten));
    align::GaeOptions o;
    o.gamma = s.gamma;
    o.lam = s.lam;
    o.whiten_rewards = s.whiten;
    const align::Gae g = align::compute_gae(rewards, values, mask, o);
    const std::string p = "c" + std::to_string(i) + ".";
    EXPECT_LE(test::rel_error(g.advantages, ref.at(p + "advantages")), 1e-4);
    EXPECT_LE(test::rel_error(g.returns, ref.at(p + "returns")), 1e-4);
  }
  // Whitened advantages have masked mean 0 and (unbiased) variance 1.
  const align::Gae g = align::compute_gae(rewards, values, mask);
  EXPECT_NEAR(align::masked_mean(g.advantages, mask), 0.0, 1e-5);
  EXPECT_NEAR(align::masked_var(g.advantages, mask), 1.0, 1e-4);
}

TEST(PpoGae, BadShapesAreErrors) {
  EXPECT_THROW(align::compute_gae(Tensor::zeros({2, 3}), Tensor::zeros({2, 4}), Tensor::zeros({2, 3})), ShapeError);
  EXPECT_THROW(align::masked_var(Tensor::zeros({1, 3}), Tensor::from_vector({0, 1, 0}, {1, 3})), Error);
}

TEST(PpoKLController, AdaptiveAndFixedMatchTorch) {
  // Sequence KLs below, near and far above the target 6 (clipped at ±20 %).
  const std::vector<float> kls{0.5f, 5.0f, 6.0f, 7.1f, 40.0f, 2.0f, 12.0f, 0.0f};
  const Tensor t = Tensor::from_vector(kls, {int64_t(kls.size())});
  auto ref = test::torch_ref("ppo", "kl_controller", {{"kls", t}},
                             {{"init", 0.2}, {"target", 6.0}, {"horizon", 100.0}, {"n_steps", 16}});
  for (bool adaptive : {true, false}) {
    SCOPED_TRACE(adaptive ? "adaptive" : "fixed");
    align::KLController c = adaptive ? align::KLController::adaptive(0.2, 6.0, 100.0) : align::KLController::fixed(0.2);
    const std::vector<float> want = ref.at(adaptive ? "adaptive" : "fixed").to_vector();
    ASSERT_EQ(want.size(), kls.size() + 1);
    EXPECT_NEAR(c.value(), want[0], 1e-6);
    for (size_t i = 0; i < kls.size(); ++i) {
      c.update(kls[i], 16);
      EXPECT_NEAR(c.value(), want[i + 1], 1e-4 * want[i + 1]) << "after update " << i;
    }
  }
  EXPECT_THROW(align::KLController::adaptive(0.2, 0.0, 100.0), Error);
  EXPECT_THROW(align::KLController::fixed(-1.0), Error);
}
