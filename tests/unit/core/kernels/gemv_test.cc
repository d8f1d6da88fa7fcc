// kernels::gemv_rows (the decoding product under linear for 1 to 8 rows) against
// double-precision loops, with strided x rows, with and without bias, for whatever SIMD
// width the build targets.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/kernels/gemv.h"
#include "core/kernels/simd.h"
#include "core/tensor.h"

using namespace lmf;

TEST(KernelsGemv, MatchesDoubleLoopsForEveryRowCount) {
  double worst = 0;
  uint64_t seed = 1;
  for (int64_t rows = 1; rows <= kernels::kGemvMaxRows; ++rows)
    for (int64_t out : {1, 3, 4, 5, 17, 64})
      for (int64_t in : {1, 7, 8, 16, 33, 100})
        for (bool with_bias : {false, true}) {
          const int64_t ldx = in + 3;  // x rows are strided
          std::vector<float> x = Tensor::randn({rows * ldx}, seed++).to_vector();
          std::vector<float> w = Tensor::randn({out * in}, seed++).to_vector();
          std::vector<float> b = Tensor::randn({out}, seed++).to_vector(), y(size_t(rows * out), NAN);
          kernels::gemv_rows(x.data(), rows, ldx, w.data(), out, in, with_bias ? b.data() : nullptr, y.data());
          for (int64_t r = 0; r < rows; ++r)
            for (int64_t o = 0; o < out; ++o) {
              double s = with_bias ? b[size_t(o)] : 0.0;
              for (int64_t i = 0; i < in; ++i) s += double(x[size_t(r * ldx + i)]) * w[size_t(o * in + i)];
              const double got = y[size_t(r * out + o)];
              worst = std::max(worst, std::isnan(got) ? INFINITY : std::abs(s - got) / (1.0 + std::abs(s)));
            }
        }
  EXPECT_LT(worst, 1e-5) << "simd width " << simd::kWidth;
}
