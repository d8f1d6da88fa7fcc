// bradley_terry against PyTorch (tests/reference/reward.py): -logsigmoid(c − r).mean() and
// the gradients of both inputs under a random upstream gradient, for odd sizes, margins
// far beyond exp's fp32 range in both directions and equal scores; bad shapes are ShapeErrors.
#include <gtest/gtest.h>

#include <cmath>

#include "core/ops/elementwise.h"
#include "core/ops/preference_loss.h"
#include "support/oracle.h"

using namespace lmf;

TEST(OpsLoss, BradleyTerryMatchesTorch) {
  struct Case {
    int64_t N;
    float scale, shift;  // chosen = scale · N(0,1) + shift, rejected = scale · N(0,1)
  };
  const std::vector<Case> cases{{1, 1, 0}, {3, 1, 0.5f}, {37, 2, -1}, {101, 0.1f, 0}, {8, 60, 0}, {5, 1, 200}, {5, 1, -200}};
  test::TensorMap in;
  std::vector<Tensor> losses, cs, rs;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& k = cases[i];
    const std::string p = "c" + std::to_string(i) + ".";
    Tensor c = add_scalar(Tensor::randn({k.N}, 300 + i, k.scale), k.shift).detach();
    Tensor r = Tensor::randn({k.N}, 400 + i, k.scale);
    Tensor g = Tensor::randn({}, 500 + i);
    in[p + "chosen"] = c.clone();
    in[p + "rejected"] = r.clone();
    in[p + "g"] = g;
    c.set_requires_grad(true);
    r.set_requires_grad(true);
    Tensor loss = bradley_terry(c, r);
    EXPECT_EQ(loss.dim(), 0);
    mul(loss, g).backward();
    losses.push_back(loss.detach());
    cs.push_back(c);
    rs.push_back(r);
  }
  test::TensorMap ref = test::torch_ref("reward", "bradley_terry", in, {{"n", cases.size()}});
  for (size_t i = 0; i < cases.size(); ++i) {
    const std::string p = "c" + std::to_string(i) + ".";
    SCOPED_TRACE("case " + std::to_string(i));
    EXPECT_LE(test::rel_error(losses[i], ref[p + "loss"]), 1e-4) << losses[i].item() << " vs " << ref[p + "loss"].item();
    EXPECT_TRUE(std::isfinite(losses[i].item()));
    EXPECT_LE(test::rel_error(cs[i].grad(), ref[p + "dchosen"]), 1e-4);
    EXPECT_LE(test::rel_error(rs[i].grad(), ref[p + "drejected"]), 1e-4);
  }
  // Equal scores: log 2, gradients ∓1/(2N).
  Tensor c = Tensor::full({4}, 0.25f), r = Tensor::full({4}, 0.25f);
  c.set_requires_grad(true);
  r.set_requires_grad(true);
  Tensor loss = bradley_terry(c, r);
  EXPECT_NEAR(loss.item(), std::log(2.0), 1e-6);
  loss.backward();
  for (float v : c.grad().to_vector()) EXPECT_NEAR(v, -0.125f, 1e-7);
  for (float v : r.grad().to_vector()) EXPECT_NEAR(v, 0.125f, 1e-7);
  EXPECT_THROW(bradley_terry(Tensor::randn({3}, 1), Tensor::randn({4}, 2)), ShapeError);
  EXPECT_THROW(bradley_terry(Tensor::randn({2, 2}, 1), Tensor::randn({2, 2}, 2)), ShapeError);
  EXPECT_THROW(bradley_terry(Tensor::randn({0}, 1), Tensor::randn({0}, 2)), ShapeError);
}
