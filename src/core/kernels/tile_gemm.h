// Register-blocked GEMM for small, cache-resident tiles: the inner products of fused
// kernels such as attention, where a oneDNN call per 64×64 tile would cost more than the
// arithmetic.
//
//   C (M × N)  [+]=  A (M × K) · B (K × N)
//
// A is read one element at a time at A[m·sam + k·sak], so any layout of A (including a
// transpose) costs nothing; B and C are row-major with row strides ldb and ldc, and N is a
// multiple of 16 (callers pad B with zero columns). The summation order over k is fixed,
// so results do not depend on the caller's thread. The register block is 6 rows × 4
// vectors with AVX-512 and 6 rows × 2 vectors with AVX or SSE (core/kernels/simd.h).
#pragma once
#include <cstdint>

namespace lmf::kernels {

void tile_gemm(int M, int N, int K, const float* A, int64_t sam, int64_t sak, const float* B, int64_t ldb, float* C,
               int64_t ldc, bool accumulate);

}  // namespace lmf::kernels
