// Learning-rate schedules against the Python formula in tests/reference/optim.py.
#include <gtest/gtest.h>

#include "core/optim/schedule.h"
#include "support/oracle.h"

using namespace lmf;

TEST(LrSchedule, WarmupCosineMatchesFormula) {
  const double lr = 6e-4, min_lr = 6e-5;
  const int64_t warmup = 7, total = 53, steps = 70;
  auto ref = test::torch_ref("optim", "warmup_cosine", {{"unused", Tensor::zeros({1})}},
                             {{"lr", lr}, {"min_lr", min_lr}, {"warmup", warmup}, {"total", total}, {"steps", steps}});
  auto want = ref.at("lr").to_vector();
  auto s = optim::LrSchedule::warmup_cosine(lr, min_lr, warmup, total);
  ASSERT_EQ(int64_t(want.size()), steps);
  for (int64_t i = 0; i < steps; ++i) EXPECT_NEAR(s.at(i), want[i], 1e-6 * lr) << "step " << i;
  EXPECT_DOUBLE_EQ(s.at(warmup - 1), lr);
  EXPECT_DOUBLE_EQ(s.at(total + 5), min_lr);
}

TEST(LrSchedule, ConstantAndBadArguments) {
  auto c = optim::LrSchedule::constant(3e-4);
  EXPECT_EQ(c.at(0), 3e-4);
  EXPECT_EQ(c.at(123456), 3e-4);
  EXPECT_THROW(optim::LrSchedule::warmup_cosine(1e-3, 1e-2, 0, 10), Error);  // floor above peak
  EXPECT_THROW(optim::LrSchedule::warmup_cosine(1e-3, 0, 10, 10), Error);    // no decay phase
  EXPECT_THROW(optim::LrSchedule::constant(-1), Error);
}
