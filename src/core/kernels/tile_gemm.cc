#include "core/kernels/tile_gemm.h"

#include <array>
#include <utility>

#include "core/kernels/simd.h"

namespace lmf::kernels {
namespace {

using simd::kWidth;
using simd::vf;

constexpr int kMR = 6;                       // rows per register block
constexpr int kNR = kWidth == 16 ? 4 : 2;    // vectors per register block row
constexpr int kBlockN = kNR * kWidth;        // columns per register block

// C rows [0, MR) × vectors [0, NR) [+]= Σ_k A(m, k) · B[k, vector].
template <int MR, int NR>
void micro(int K, const float* A, int64_t sam, int64_t sak, const float* B, int64_t ldb, float* C, int64_t ldc,
           bool accumulate) {
  vf c[MR][NR];
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) c[i][j] = accumulate ? simd::load(C + i * ldc + kWidth * j) : vf{};
  for (int k = 0; k < K; ++k) {
    vf b[NR];
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) b[j] = simd::load(B + k * ldb + kWidth * j);
    const float* a = A + k * sak;
#pragma GCC unroll 6
    for (int i = 0; i < MR; ++i) {
      const vf ai = simd::splat(a[i * sam]);
#pragma GCC unroll 4
      for (int j = 0; j < NR; ++j) c[i][j] += ai * b[j];
    }
  }
#pragma GCC unroll 6
  for (int i = 0; i < MR; ++i)
#pragma GCC unroll 4
    for (int j = 0; j < NR; ++j) simd::store(C + i * ldc + kWidth * j, c[i][j]);
}

using Micro = void (*)(int, const float*, int64_t, int64_t, const float*, int64_t, float*, int64_t, bool);

template <int MR, int... NR>
constexpr auto row_of(std::integer_sequence<int, NR...>) {
  return std::array<Micro, kNR>{micro<MR, NR + 1>...};
}

template <int... MR>
constexpr auto table_of(std::integer_sequence<int, MR...>) {
  return std::array<std::array<Micro, kNR>, kMR>{row_of<MR + 1>(std::make_integer_sequence<int, kNR>{})...};
}

// kTable[mr - 1][nr - 1]: the kernel for an mr-row, nr-vector block.
constexpr auto kTable = table_of(std::make_integer_sequence<int, kMR>{});

}  // namespace

void tile_gemm(int M, int N, int K, const float* A, int64_t sam, int64_t sak, const float* B, int64_t ldb, float* C,
               int64_t ldc, bool accumulate) {
  for (int n0 = 0; n0 < N; n0 += kBlockN) {
    const int nr = N - n0 >= kBlockN ? kNR : (N - n0) / kWidth;
    for (int m0 = 0; m0 < M; m0 += kMR) {
      const int mr = M - m0 < kMR ? M - m0 : kMR;
      kTable[mr - 1][nr - 1](K, A + m0 * sam, sam, sak, B + n0, ldb, C + m0 * ldc + n0, ldc, accumulate);
    }
  }
}

}  // namespace lmf::kernels
