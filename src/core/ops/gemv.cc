#include "core/ops/gemv.h"

#include "core/threads.h"

namespace lmf::kernels {

void gemv_rows(const float* x, int64_t rows, int64_t ldx, const float* w, int64_t out, int64_t in, const float* bias,
               float* y) {
  // Work is split over blocks of 4 output features; each thread owns whole outputs.
  const int64_t blocks = (out + 3) / 4;
  const bool parallel = out * in >= (int64_t(1) << 15);
#pragma omp parallel for schedule(static) num_threads(threads::get()) if (parallel)
  for (int64_t blk = 0; blk < blocks; ++blk) {
    const int64_t o0 = blk * 4, n = out - o0 < 4 ? out - o0 : 4;
    const float* w0 = w + o0 * in;
    const float* w1 = n > 1 ? w0 + in : w0;  // short last block: repeat a row, keep only n results
    const float* w2 = n > 2 ? w0 + 2 * in : w0;
    const float* w3 = n > 3 ? w0 + 3 * in : w0;
    for (int64_t r = 0; r < rows; ++r) {
      const float* xr = x + r * ldx;
      float s0 = 0, s1 = 0, s2 = 0, s3 = 0;
#pragma omp simd reduction(+ : s0, s1, s2, s3)
      for (int64_t i = 0; i < in; ++i) {
        s0 += xr[i] * w0[i];
        s1 += xr[i] * w1[i];
        s2 += xr[i] * w2[i];
        s3 += xr[i] * w3[i];
      }
      const float s[4] = {s0, s1, s2, s3};
      float* yr = y + r * out + o0;
      for (int64_t j = 0; j < n; ++j) yr[j] = s[j] + (bias ? bias[o0 + j] : 0.0f);
    }
  }
}

}  // namespace lmf::kernels
