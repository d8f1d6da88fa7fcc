#include "core/ops/tile_gemm.h"

#if defined(__AVX512F__)
#include <immintrin.h>
#endif

namespace lmf::kernels {

#if defined(__AVX512F__)
namespace {

// C rows [0, MR) × vectors [0, NR) += Σ_k A(m, k) · B[k, vector].
template <int MR, int NR>
void micro(int K, const float* A, int64_t sam, int64_t sak, const float* B, int64_t ldb, float* C, int64_t ldc,
           bool accumulate) {
  __m512 c[MR][NR];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) c[i][j] = accumulate ? _mm512_loadu_ps(C + i * ldc + 16 * j) : _mm512_setzero_ps();
  for (int k = 0; k < K; ++k) {
    __m512 b[NR];
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) b[j] = _mm512_loadu_ps(B + k * ldb + 16 * j);
    const float* a = A + k * sak;
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      __m512 ai = _mm512_set1_ps(a[i * sam]);
#pragma GCC unroll 4
      for (int j = 0; j < NR; ++j) c[i][j] = _mm512_fmadd_ps(ai, b[j], c[i][j]);
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) _mm512_storeu_ps(C + i * ldc + 16 * j, c[i][j]);
}

using Micro = void (*)(int, const float*, int64_t, int64_t, const float*, int64_t, float*, int64_t, bool);

template <int MR>
constexpr Micro pick(int nr) {
  return nr == 1 ? micro<MR, 1> : nr == 2 ? micro<MR, 2> : nr == 3 ? micro<MR, 3> : micro<MR, 4>;
}

constexpr int kMR = 6;
const Micro kTable[kMR][4] = {
    {pick<1>(1), pick<1>(2), pick<1>(3), pick<1>(4)}, {pick<2>(1), pick<2>(2), pick<2>(3), pick<2>(4)},
    {pick<3>(1), pick<3>(2), pick<3>(3), pick<3>(4)}, {pick<4>(1), pick<4>(2), pick<4>(3), pick<4>(4)},
    {pick<5>(1), pick<5>(2), pick<5>(3), pick<5>(4)}, {pick<6>(1), pick<6>(2), pick<6>(3), pick<6>(4)},
};

}  // namespace

void tile_gemm(int M, int N, int K, const float* A, int64_t sam, int64_t sak, const float* B, int64_t ldb, float* C,
               int64_t ldc, bool accumulate) {
  for (int n0 = 0; n0 < N; n0 += 64) {
    const int nr = (N - n0 >= 64) ? 4 : (N - n0) / 16;
    for (int m0 = 0; m0 < M; m0 += kMR) {
      const int mr = M - m0 < kMR ? M - m0 : kMR;
      kTable[mr - 1][nr - 1](K, A + m0 * sam, sam, sak, B + n0, ldb, C + m0 * ldc + n0, ldc, accumulate);
    }
  }
}

#else

void tile_gemm(int M, int N, int K, const float* A, int64_t sam, int64_t sak, const float* B, int64_t ldb, float* C,
               int64_t ldc, bool accumulate) {
  for (int m = 0; m < M; ++m) {
    float* c = C + m * ldc;
    if (!accumulate)
      for (int n = 0; n < N; ++n) c[n] = 0.0f;
    for (int k = 0; k < K; ++k) {
      const float a = A[m * sam + k * sak];
      const float* b = B + k * ldb;
      for (int n = 0; n < N; ++n) c[n] += a * b[n];
    }
  }
}

#endif

}  // namespace lmf::kernels
