// The accuracy promises of core/kernels/vec_math.h, checked in an `omp simd` loop (the way
// the ops call these functions, so the vectorised code is what is measured) against libm
// in double precision.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/kernels/vec_math.h"

using namespace lmf;

namespace {

constexpr int kN = 400001;

// kN points evenly spaced over [lo, hi].
std::vector<float> grid(float lo, float hi) {
  std::vector<float> x(kN);
  for (int i = 0; i < kN; ++i) x[size_t(i)] = lo + (hi - lo) * float(i) / float(kN - 1);
  return x;
}

}  // namespace

TEST(KernelsVecMath, ExpWithinTwoUlpOnItsRange) {
  std::vector<float> x = grid(-87.0f, 88.0f), y(kN);
#pragma omp simd
  for (int i = 0; i < kN; ++i) y[size_t(i)] = vmath::vexp(x[size_t(i)]);
  double worst_ulp = 0;
  for (int i = 0; i < kN; ++i) {
    const double want = std::exp(double(x[size_t(i)]));
    const double ulp = std::ldexp(1.0, std::ilogb(want) - 23);
    worst_ulp = std::max(worst_ulp, std::abs(y[size_t(i)] - want) / ulp);
  }
  EXPECT_LE(worst_ulp, 2.0);
  EXPECT_EQ(vmath::vexp(100.0f), INFINITY);
  EXPECT_GT(vmath::vexp(-100.0f), 0.0f);
  EXPECT_LT(vmath::vexp(-100.0f), 2e-38f);
}

TEST(KernelsVecMath, TanhSigmoidErfWithinTheirAbsoluteBounds) {
  std::vector<float> x = grid(-12.0f, 12.0f), t(kN), s(kN), e(kN);
#pragma omp simd
  for (int i = 0; i < kN; ++i) {
    t[size_t(i)] = vmath::vtanh(x[size_t(i)]);
    s[size_t(i)] = vmath::vsigmoid(x[size_t(i)]);
    e[size_t(i)] = vmath::verf(x[size_t(i)]);
  }
  double wt = 0, ws = 0, we = 0;
  for (int i = 0; i < kN; ++i) {
    const double xi = x[size_t(i)];
    wt = std::max(wt, std::abs(t[size_t(i)] - std::tanh(xi)));
    ws = std::max(ws, std::abs(s[size_t(i)] - 1.0 / (1.0 + std::exp(-xi))));
    we = std::max(we, std::abs(e[size_t(i)] - std::erf(xi)));
  }
  EXPECT_LT(wt, 5e-7);
  EXPECT_LT(ws, 5e-7);
  EXPECT_LT(we, 4e-7);
  EXPECT_EQ(vmath::vtanh(50.0f), 1.0f);
  EXPECT_EQ(vmath::vtanh(-50.0f), -1.0f);
}
