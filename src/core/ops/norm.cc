// LayerNorm and RMSNorm: forward and backward side by side, one kernel for both
// (RMSNorm is LayerNorm without centring and without bias).
//
// Rows are spread over OpenMP threads with a static split; each row is read from memory
// once (its statistics and its output are computed while it sits in L1) and its inner
// loops vectorise. The weight and bias gradients are summed per thread over its block of
// rows, then the per-thread partials are added in thread order: the result is the same
// run to run for a fixed thread count.
#include "core/ops/norm.h"

#include <omp.h>

#include <cmath>

#include "core/autograd.h"
#include "core/kernels/grad_store.h"

namespace lmf {
namespace {

using autograd::GradSink;

constexpr int64_t kParallelMin = 16384;  // elements

// Rows [lo, hi) of n for thread id of nt (contiguous blocks, as a static schedule).
inline void row_block(int64_t n, int id, int nt, int64_t* lo, int64_t* hi) {
  *lo = n * id / nt;
  *hi = n * (id + 1) / nt;
}

// x (N, C) → y (N, C); mean (N) and rstd (N) saved. Centered: LayerNorm, else RMSNorm.
template <bool Centered>
void norm_forward(const float* x, const float* w, const float* b, float* y, float* mean, float* rstd,
                  int64_t N, int64_t C, float eps) {
#pragma omp parallel for schedule(static) if (N * C >= kParallelMin)
  for (int64_t r = 0; r < N; ++r) {
    const float* xr = x + r * C;
    float* __restrict yr = y + r * C;
    float m = 0;
    if constexpr (Centered) {
      float s = 0;
#pragma omp simd reduction(+ : s)
      for (int64_t i = 0; i < C; ++i) s += xr[i];
      m = s / float(C);
    }
    float v = 0;
#pragma omp simd reduction(+ : v)
    for (int64_t i = 0; i < C; ++i) v += (xr[i] - m) * (xr[i] - m);
    float rs = 1.0f / std::sqrt(v / float(C) + eps);
    if (b) {
      for (int64_t i = 0; i < C; ++i) yr[i] = (xr[i] - m) * rs * w[i] + b[i];
    } else {
      for (int64_t i = 0; i < C; ++i) yr[i] = (xr[i] - m) * rs * w[i];
    }
    mean[r] = m;
    rstd[r] = rs;
  }
}

// Backward. With x̂ = (x − mean)·rstd and ĝ = dy·w:
//   dx = rstd · (ĝ − mean(ĝ) − x̂·mean(ĝ·x̂))   (RMSNorm: no mean(ĝ) term)
//   dw = Σ_rows dy·x̂,  db = Σ_rows dy
// dx is written (or added when dx_add), dw/db always added; null pointers skip the work.
template <bool Centered>
void norm_backward(const float* x, const float* w, const float* mean, const float* rstd, const float* dy,
                   float* dx, bool dx_add, float* dw, float* db, int64_t N, int64_t C) {
  bool parallel = N * C >= kParallelMin;
  int nt = parallel ? omp_get_max_threads() : 1;
  // Per-thread partial sums of dw and db, added in thread order after the rows.
  Tensor part = (dw || db) ? Tensor::zeros({nt, 2, C}) : Tensor();
  float* partp = part.defined() ? part.f32() : nullptr;
#pragma omp parallel num_threads(nt) if (parallel)
  {
    int id = omp_get_thread_num();
    int64_t lo, hi;
    row_block(N, id, omp_get_num_threads(), &lo, &hi);
    float* __restrict pw = partp ? partp + id * 2 * C : nullptr;
    float* __restrict pb = partp ? pw + C : nullptr;
    for (int64_t r = lo; r < hi; ++r) {
      const float* xr = x + r * C;
      const float* dyr = dy + r * C;
      float m = Centered ? mean[r] : 0.0f, rs = rstd[r];
      if (dx) {
        float sg = 0, sgx = 0;
#pragma omp simd reduction(+ : sg, sgx)
        for (int64_t i = 0; i < C; ++i) {
          float g = dyr[i] * w[i];
          sg += g;
          sgx += g * (xr[i] - m) * rs;
        }
        float a = Centered ? sg / float(C) : 0.0f, bb = sgx / float(C);
        kernels::store_or_add(dx + r * C, dx_add, 0, C,
                              [&](int64_t i) { return rs * (dyr[i] * w[i] - a - (xr[i] - m) * rs * bb); });
      }
      if (dw) {
        for (int64_t i = 0; i < C; ++i) pw[i] += dyr[i] * (xr[i] - m) * rs;
      }
      if (db) {
        for (int64_t i = 0; i < C; ++i) pb[i] += dyr[i];
      }
    }
  }
  for (int t = 0; t < nt && partp; ++t) {
    const float* pw = partp + t * 2 * C;
    if (dw)
      for (int64_t i = 0; i < C; ++i) dw[i] += pw[i];
    if (db)
      for (int64_t i = 0; i < C; ++i) db[i] += pw[C + i];
  }
}

template <bool Centered>
Tensor norm(const char* name, const Tensor& x_in, const Tensor& w_in, const Tensor& b_in, float eps) {
  check_f32(x_in, name, "x");
  check_f32(w_in, name, "w");
  LMF_CHECK_SHAPE(x_in.dim() >= 1, name, "x " + x_in.shape().str() + " needs a channel dim");
  int64_t C = x_in.size(-1);
  LMF_CHECK_SHAPE(w_in.shape() == Shape{C}, name,
                  "w " + w_in.shape().str() + " does not match x " + x_in.shape().str() + " (want [" + std::to_string(C) + "])");
  if (b_in.defined()) {
    check_f32(b_in, name, "b");
    LMF_CHECK_SHAPE(b_in.shape() == Shape{C}, name,
                    "b " + b_in.shape().str() + " does not match x " + x_in.shape().str() + " (want [" + std::to_string(C) + "])");
  }
  Tensor x = x_in.contiguous(), w = w_in.contiguous(), b = b_in.defined() ? b_in.contiguous() : Tensor();
  int64_t N = C ? x.numel() / C : 0;
  Tensor y = Tensor::empty(x.shape());
  Tensor mean = Tensor::empty({N}), rstd = Tensor::empty({N});
  norm_forward<Centered>(x.f32(), w.f32(), b.defined() ? b.f32() : nullptr, y.f32(), mean.f32(), rstd.f32(), N, C,
                         eps);
  if (autograd::should_record({&x, &w, &b})) {
    autograd::record(name, y, [gx = GradSink(x), gw = GradSink(w), gb = GradSink(b), xs = x.detach(),
                               ws = w.detach(), mean, rstd, N, C](const Tensor& dy) mutable {
      bool dx_add = false;
      float* dx = gx.wanted() ? gx.buffer_for_write(&dx_add) : nullptr;
      float* dw = gw.wanted() ? gw.buffer() : nullptr;
      float* db = gb.wanted() ? gb.buffer() : nullptr;
      norm_backward<Centered>(xs.f32(), ws.f32(), mean.f32(), rstd.f32(), dy.f32(), dx, dx_add, dw, db, N, C);
    });
  }
  return y;
}

}  // namespace

Tensor layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, float eps) {
  return norm<true>("layer_norm", x, w, b, eps);
}

Tensor rms_norm(const Tensor& x, const Tensor& w, float eps) { return norm<false>("rms_norm", x, w, Tensor(), eps); }

}  // namespace lmf
