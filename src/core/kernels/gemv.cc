#include "core/kernels/gemv.h"

#include "core/kernels/simd.h"
#include "core/threads.h"

namespace lmf::kernels {
namespace {

using simd::kWidth;
using simd::vf;

constexpr int kW = 4;  // weight rows (outputs) per block
constexpr int kX = 2;  // x rows per register block: kW·kX accumulators

float hsum(vf v) {
  float s = 0;
#pragma GCC unroll 16
  for (int i = 0; i < kWidth; ++i) s += v[i];
  return s;
}

// y[r][j] = Σ_i x[r][i]·w[j][i] for XR rows and the 4 weight rows w[0..3], over `in`.
template <int XR>
void block(const float* const* xr, const float* const* w, int64_t in, float out[][kW]) {
  vf acc[XR][kW] = {};
  int64_t i = 0;
  for (; i + kWidth <= in; i += kWidth) {
    vf wv[kW];
#pragma GCC unroll 4
    for (int j = 0; j < kW; ++j) wv[j] = simd::load(w[j] + i);
#pragma GCC unroll 2
    for (int r = 0; r < XR; ++r) {
      const vf xv = simd::load(xr[r] + i);
#pragma GCC unroll 4
      for (int j = 0; j < kW; ++j) acc[r][j] += xv * wv[j];
    }
  }
  for (int r = 0; r < XR; ++r)
    for (int j = 0; j < kW; ++j) {
      float s = hsum(acc[r][j]);
      for (int64_t k = i; k < in; ++k) s += xr[r][k] * w[j][k];  // the tail of `in`
      out[r][j] = s;
    }
}

}  // namespace

void gemv_rows(const float* x, int64_t rows, int64_t ldx, const float* w, int64_t out, int64_t in, const float* bias,
               float* y) {
  // Work is split over blocks of 4 output features; each thread owns whole outputs. Each
  // block's 4 weight rows are read from memory once and reused from L1 for every x row.
  const int64_t blocks = (out + kW - 1) / kW;
  const bool parallel = out * in >= (int64_t(1) << 15);
#pragma omp parallel for schedule(static) num_threads(threads::get()) if (parallel)
  for (int64_t blk = 0; blk < blocks; ++blk) {
    const int64_t o0 = blk * kW, n = out - o0 < kW ? out - o0 : kW;
    const float* wr[kW];
    for (int j = 0; j < kW; ++j) wr[j] = w + (o0 + (j < n ? j : 0)) * in;  // short last block: repeat a row
    for (int64_t r0 = 0; r0 < rows; r0 += kX) {
      const float* xr[kX] = {x + r0 * ldx, x + (r0 + 1 < rows ? r0 + 1 : r0) * ldx};
      float s[kX][kW];
      if (rows - r0 >= kX) block<kX>(xr, wr, in, s);
      else block<1>(xr, wr, in, s);
      for (int64_t r = r0; r < rows && r < r0 + kX; ++r) {
        float* yr = y + r * out + o0;
        for (int64_t j = 0; j < n; ++j) yr[j] = s[r - r0][j] + (bias ? bias[o0 + j] : 0.0f);
      }
    }
  }
}

}  // namespace lmf::kernels
