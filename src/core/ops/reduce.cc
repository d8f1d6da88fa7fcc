#include "core/ops/reduce.h"

#include <algorithm>
#include <limits>

#include "core/autograd.h"
#include "core/kernels/sum.h"

namespace lmf {

// ---- sum / mean to a scalar ----

namespace {

// Whole-tensor reduction scaled by `s` (1 for sum, 1/n for mean).
// Forward: y = s·Σx.  Backward: dx += s·dy everywhere.
Tensor scaled_total(const Tensor& x, double s, const char* op) {
  check_f32(x, op, "x");
  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty({});
  *y.f32() = float(s * kernels::sum(xc.f32(), xc.numel()));
  if (autograd::should_record({&x})) {
    autograd::record(op, y, [gx = autograd::GradSink(x), s](const Tensor& dy) mutable {
      const float g = float(s * double(*dy.f32()));
      float* dx = gx.buffer();
      const int64_t n = gx.shape().numel();
#pragma omp parallel for simd schedule(static) if (n > 65536)
      for (int64_t i = 0; i < n; ++i) dx[i] += g;
    });
  }
  return y;
}

}  // namespace

Tensor sum(const Tensor& x) { return scaled_total(x, 1.0, "sum"); }

Tensor mean(const Tensor& x) {
  check_f32(x, "mean", "x");
  const int64_t n = x.numel();
  return scaled_total(x, n ? 1.0 / double(n) : std::numeric_limits<double>::quiet_NaN(), "mean");
}

// ---- sum over one dim ----

// x viewed as (O, L, I): O = product of dims before `dim`, L = x.size(dim), I = product of
// dims after. y is (O, I).
Tensor sum(const Tensor& x, int dim, bool keepdim) {
  check_f32(x, "sum", "x");
  const int d = x.shape().norm(dim);
  const Shape& xs = x.shape();
  int64_t O = 1, I = 1;
  for (int i = 0; i < d; ++i) O *= xs[i];
  for (int i = d + 1; i < xs.ndim(); ++i) I *= xs[i];
  const int64_t L = xs[d];
  Shape ys;
  for (int i = 0; i < xs.ndim(); ++i)
    if (i != d) ys.push_back(xs[i]);
    else if (keepdim) ys.push_back(1);

  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty(ys);
  const float* px = xc.f32();
  float* py = y.f32();
  // Forward: y[o, i] = Σ_l x[o, l, i], each accumulated in double in l order. Work is
  // split into (o, chunk of kChunk columns) tasks; a chunk's accumulators live on the stack.
  constexpr int64_t kChunk = 256;
  const int64_t nchunk = (I + kChunk - 1) / kChunk;
#pragma omp parallel for schedule(static) if (O * L * I > 65536)
  for (int64_t task = 0; task < O * nchunk; ++task) {
    const int64_t o = task / nchunk, j0 = (task % nchunk) * kChunk, w = std::min(kChunk, I - j0);
    if (I == 1) {  // a contiguous row: the blocked kernel vectorises along it
      py[o] = float(kernels::sum(px + o * L, L));
      continue;
    }
    double acc[kChunk];
    for (int64_t j = 0; j < w; ++j) acc[j] = 0.0;
    for (int64_t l = 0; l < L; ++l) {
      const float* row = px + (o * L + l) * I + j0;
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) acc[j] += double(row[j]);
    }
    for (int64_t j = 0; j < w; ++j) py[o * I + j0 + j] = float(acc[j]);
  }

  if (autograd::should_record({&x})) {
    // Backward: dx[o, l, i] += dy[o, i].
    autograd::record("sum_dim", y, [gx = autograd::GradSink(x), O, L, I](const Tensor& dy) mutable {
      Tensor dyc = dy.contiguous();
      const float* g = dyc.f32();
      float* dx = gx.buffer();
#pragma omp parallel for schedule(static) if (O * L * I > 65536)
      for (int64_t r = 0; r < O * L; ++r) {
        const float* gr = g + (r / L) * I;
        float* dr = dx + r * I;
#pragma omp simd
        for (int64_t j = 0; j < I; ++j) dr[j] += gr[j];
      }
    });
  }
  return y;
}

}  // namespace lmf
