// dpo_loss and dpo_rewards against PyTorch (tests/reference/dpo.py, TRL's sigmoid loss):
// the loss and the gradients of all four inputs with a random upstream gradient, over
// batch sizes 1 .. 37 and betas 0.01 .. 5, with log-probability gaps large enough that
// β·z reaches ±several hundred (softplus must stay finite and exact); loss = log 2 when
// the policy equals the reference; bad shapes are ShapeErrors naming the argument.
#include <gtest/gtest.h>

#include <cmath>

#include "core/ops/elementwise.h"
#include "core/ops/preference_loss.h"
#include "support/oracle.h"

using namespace lmf;

namespace {

struct Case {
  int64_t N;
  float beta;
  float spread;  // log-probabilities are −spread · |N(0, 1)| − offset
};

Tensor logps(int64_t N, uint64_t seed, float spread) {
  std::vector<float> v = Tensor::randn({N}, seed, spread).to_vector();
  for (float& x : v) x = -std::abs(x) - 0.5f;
  return Tensor::from_vector(v, {N});
}

}  // namespace

TEST(OpsDpoLoss, MatchesTorch) {
  const std::vector<Case> cases{{1, 0.1f, 5}, {3, 0.5f, 10}, {8, 0.1f, 30}, {37, 2.0f, 20}, {5, 5.0f, 200},
                                {16, 0.01f, 3}};
  test::TensorMap in;
  nlohmann::json jc = nlohmann::json::array();
  std::vector<std::vector<Tensor>> inputs;
  std::vector<Tensor> losses, rewards_c, rewards_r;
  const char* names[4] = {"pc", "pr", "rc", "rr"};
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    const std::string p = "c" + std::to_string(i) + ".";
    std::vector<Tensor> x;
    for (int k = 0; k < 4; ++k) {
      x.push_back(logps(c.N, 100 * i + uint64_t(k), c.spread));
      in[p + names[k]] = x.back().clone();
      x.back().set_requires_grad(true);
    }
    Tensor g = Tensor::randn({}, 7 + i);
    in[p + "g"] = g;
    Tensor loss = dpo_loss(x[0], x[1], x[2], x[3], c.beta);
    EXPECT_EQ(loss.dim(), 0);
    mul(loss, g).backward();
    losses.push_back(loss.detach());
    rewards_c.push_back(dpo_rewards(x[0].detach(), x[2].detach(), c.beta));
    rewards_r.push_back(dpo_rewards(x[1].detach(), x[3].detach(), c.beta));
    inputs.push_back(x);
    jc.push_back({{"beta", c.beta}});
  }
  test::TensorMap ref = test::torch_ref("dpo", "loss", in, {{"cases", jc}});
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string p = "c" + std::to_string(i) + ".";
    SCOPED_TRACE("case " + std::to_string(i) + ": N=" + std::to_string(cases[i].N) + " beta=" +
                 std::to_string(cases[i].beta));
    ASSERT_TRUE(std::isfinite(losses[i].item()));
    EXPECT_LE(test::rel_error(losses[i], ref[p + "loss"]), 1e-4) << losses[i].item() << " vs " << ref[p + "loss"].item();
    for (int k = 0; k < 4; ++k)
      EXPECT_LE(test::rel_error(inputs[i][size_t(k)].grad(), ref[p + "d" + names[k]]), 1e-4) << names[k];
    EXPECT_LE(test::rel_error(rewards_c[i], ref[p + "rewards_chosen"]), 1e-4);
    EXPECT_LE(test::rel_error(rewards_r[i], ref[p + "rewards_rejected"]), 1e-4);
  }
}

TEST(OpsDpoLoss, PolicyEqualToReferenceGivesLog2AndHalfGradients) {
  Tensor c = logps(6, 1, 4), r = logps(6, 2, 4);
  Tensor pc = c.clone(), pr = r.clone();
  pc.set_requires_grad(true);
  pr.set_requires_grad(true);
  Tensor loss = dpo_loss(pc, pr, c, r, 0.3f);
  EXPECT_NEAR(loss.item(), std::log(2.0), 1e-7);
  loss.backward();
  // σ(0) = 1/2: dπc = −β/(2N), dπr = +β/(2N); the constant reference gets nothing.
  for (float g : pc.grad().to_vector()) EXPECT_NEAR(g, -0.3 / 12, 1e-8);
  for (float g : pr.grad().to_vector()) EXPECT_NEAR(g, 0.3 / 12, 1e-8);
  EXPECT_FALSE(c.grad().defined());
}

TEST(OpsDpoLoss, BadShapesNameTheArgument) {
  Tensor a = Tensor::zeros({4}), b = Tensor::zeros({3}), m = Tensor::zeros({2, 2});
  auto message = [](const std::function<void()>& f) {
    try {
      f();
    } catch (const ShapeError& e) {
      return std::string(e.what());
    }
    return std::string("no error");
  };
  EXPECT_NE(message([&] { dpo_loss(a, b, a, a, 0.1f); }).find("policy_rejected"), std::string::npos);
  EXPECT_NE(message([&] { dpo_loss(a, a, a, b, 0.1f); }).find("ref_rejected"), std::string::npos);
  EXPECT_NE(message([&] { dpo_loss(m, m, m, m, 0.1f); }).find("policy_chosen"), std::string::npos);
  EXPECT_NE(message([&] { dpo_loss(Tensor::zeros({0}), Tensor::zeros({0}), Tensor::zeros({0}), Tensor::zeros({0}), 0.1f); })
                .find("N >= 1"),
            std::string::npos);
  EXPECT_THROW(dpo_rewards(a, b, 0.1f), ShapeError);
}
