// The LMFORGE_PROFILE op profile: ops and optimizer scopes land in the table by name.
#include <gtest/gtest.h>

#include "core/ops/matmul.h"
#include "core/ops/reduce.h"
#include "core/profiler.h"
#include "core/tensor.h"

using namespace lmf;

TEST(Profiler, CountsOpsForwardAndBackwardByName) {
  const bool was = profiler::enabled();
  profiler::set_enabled(true);
  profiler::reset();
  Tensor x = Tensor::randn({8, 16}, 1).set_requires_grad(true);
  Tensor w = Tensor::randn({4, 16}, 2).set_requires_grad(true);
  profiler::mark();
  for (int i = 0; i < 3; ++i) sum(linear(x, w)).backward();
  { profiler::Scope s("[my step]"); }
  const std::string r = profiler::report();
  profiler::reset();
  profiler::set_enabled(was);
  EXPECT_NE(r.find("linear"), std::string::npos) << r;
  EXPECT_NE(r.find("[my step]"), std::string::npos) << r;
  // "linear" was recorded three times: its row's calls column reads 3.
  const size_t at = r.find("linear");
  EXPECT_EQ(std::stol(r.substr(at + 6)), 3) << r;
  EXPECT_EQ(profiler::report(), "");  // reset empties it
}
