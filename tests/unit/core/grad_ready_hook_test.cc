// autograd::set_grad_ready_hook: fires once per backward pass, when the leaf's gradient is
// final (every use accumulated), in reverse order of the leaves' first uses, not for graphs
// freed without a backward pass; an unused leaf fires at the start of the pass.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/grad_ready_hook.h"
#include "core/ops.h"
#include "core/tensor.h"

namespace lmf {
namespace {

std::vector<float> values(const Tensor& t) {
  return std::vector<float>(t.f32(), t.f32() + t.numel());
}

TEST(GradReadyHook, FiresOnceWithTheFinalGradientInReverseUseOrder) {
  Tensor a = Tensor::randn({3, 4}, 1).set_requires_grad(true);  // used first: ready last
  Tensor w = Tensor::randn({4, 5}, 2).set_requires_grad(true);
  Tensor b = Tensor::randn({3, 5}, 3).set_requires_grad(true);  // used last: ready first
  std::vector<std::string> fired;
  std::vector<float> a_grad_at_fire;
  autograd::set_grad_ready_hook(a, [&] {
    fired.push_back("a");
    a_grad_at_fire = values(a.grad());
  });
  autograd::set_grad_ready_hook(w, [&] { fired.push_back("w"); });
  autograd::set_grad_ready_hook(b, [&] { fired.push_back("b"); });
  for (int pass = 0; pass < 2; ++pass) {
    fired.clear();
    Tensor sq = sum(mul(a, a));       // a's first use
    Tensor h = add(matmul(a, w), b);  // (3, 5): a again, then w and b
    Tensor loss = add(sum(h), sq);
    loss.backward();
    EXPECT_EQ(fired, (std::vector<std::string>{"b", "w", "a"})) << "pass " << pass;
    // The hook saw a's whole gradient: w's row sums plus 2a (times the pass count).
    EXPECT_EQ(a_grad_at_fire, values(a.grad()));
  }
  // The gradient that was seen is the complete one: d/da = 1·wᵀ summed + 2a, twice accumulated.
  for (int64_t i = 0; i < 3; ++i)
    for (int64_t k = 0; k < 4; ++k) {
      float rowsum = 0;
      for (int64_t j = 0; j < 5; ++j) rowsum += w.f32()[k * 5 + j];
      EXPECT_NEAR(a.grad().f32()[i * 4 + k], 2 * (rowsum + 2 * a.f32()[i * 4 + k]), 1e-4);
    }
}

TEST(GradReadyHook, QuietForAGraphFreedWithoutBackwardAndForUnusedLeaves) {
  Tensor a = Tensor::randn({2, 2}, 4).set_requires_grad(true);
  Tensor unused = Tensor::randn({2, 2}, 5).set_requires_grad(true);
  int fired_a = 0, fired_unused = 0;
  autograd::set_grad_ready_hook(a, [&] { ++fired_a; });
  autograd::set_grad_ready_hook(unused, [&] { ++fired_unused; });
  { Tensor dropped = sum(mul(a, a)); }  // never differentiated
  autograd::clear_tape();
  EXPECT_EQ(fired_a, 0);
  Tensor loss = sum(a);
  loss.backward();
  EXPECT_EQ(fired_a, 1);
  EXPECT_EQ(fired_unused, 1);
  EXPECT_FALSE(unused.grad().defined());
  autograd::set_grad_ready_hook(a, nullptr);  // removed: silent from now on
  sum(a).backward();
  EXPECT_EQ(fired_a, 1);
}

TEST(GradReadyHook, RefusesANonLeaf) {
  Tensor a = Tensor::randn({2}, 6).set_requires_grad(true);
  Tensor y = mul(a, a);
  EXPECT_THROW(autograd::set_grad_ready_hook(y, [] {}), ShapeError);
  autograd::clear_tape();
}

}  // namespace
}  // namespace lmf
