// kernels::tile_gemm (the register-blocked product inside attention) against
// double-precision loops, at sizes that leave partial register blocks, with and without
// accumulation and with A transposed, for whatever SIMD width the build targets.
#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "core/kernels/simd.h"
#include "core/kernels/tile_gemm.h"
#include "core/tensor.h"

using namespace lmf;

TEST(KernelsTileGemm, MatchesDoubleLoopsOnPartialBlocks) {
  double worst = 0;
  uint64_t seed = 1;
  int cases = 0;
  for (int M : {1, 5, 6, 7, 13, 64})
    for (int N : {16, 32, 48, 80})
      for (int K : {1, 3, 17, 64})
        for (bool acc : {false, true})
          for (bool trans_a : {false, true}) {
            std::vector<float> A = Tensor::randn({M * K}, seed++).to_vector();
            std::vector<float> B = Tensor::randn({K * N}, seed++).to_vector();
            std::vector<float> C = Tensor::randn({M * N}, seed++).to_vector(), C0 = C;
            // A read at A[m·sam + k·sak]: row-major (sam = K) or its transpose (sak = M).
            const int64_t sam = trans_a ? 1 : K, sak = trans_a ? M : 1;
            kernels::tile_gemm(M, N, K, A.data(), sam, sak, B.data(), N, C.data(), N, acc);
            for (int m = 0; m < M; ++m)
              for (int n = 0; n < N; ++n) {
                double s = acc ? C0[size_t(m * N + n)] : 0.0;
                for (int k = 0; k < K; ++k) s += double(A[size_t(m * sam + k * sak)]) * B[size_t(k * N + n)];
                worst = std::max(worst, std::abs(s - C[size_t(m * N + n)]) / (1.0 + std::abs(s)));
              }
            ++cases;
          }
  EXPECT_EQ(cases, 6 * 4 * 4 * 2 * 2);
  EXPECT_LT(worst, 1e-5) << "simd width " << simd::kWidth;
}
