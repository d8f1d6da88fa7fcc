// Softmax and log-softmax: forward and backward side by side, one kernel pair for both.
// OpenMP over rows; each row's loops vectorise (exp from vec_math.h). The backward reads
// the saved output, not the input:
//   softmax:     dx = y · (dy − Σ dy·y)
//   log_softmax: dx = dy − e^y · Σ dy
#include "core/ops/softmax.h"

#include <cmath>

#include "core/autograd.h"
#include "core/kernels/grad_store.h"
#include "core/kernels/vec_math.h"

namespace lmf {
namespace {

using vmath::vexp;

constexpr int64_t kParallelMin = 16384;  // elements

template <bool Log>
void softmax_forward(const float* x, float* y, int64_t N, int64_t V) {
#pragma omp parallel for schedule(static) if (N * V >= kParallelMin)
  for (int64_t r = 0; r < N; ++r) {
    const float* xr = x + r * V;
    float* __restrict yr = y + r * V;
    float m = -INFINITY;
#pragma omp simd reduction(max : m)
    for (int64_t i = 0; i < V; ++i) m = xr[i] > m ? xr[i] : m;
    float s = 0;
    if constexpr (Log) {
#pragma omp simd reduction(+ : s)
      for (int64_t i = 0; i < V; ++i) s += vexp(xr[i] - m);
      float shift = m + std::log(s);
      for (int64_t i = 0; i < V; ++i) yr[i] = xr[i] - shift;
    } else {
#pragma omp simd reduction(+ : s)
      for (int64_t i = 0; i < V; ++i) {
        float e = vexp(xr[i] - m);
        yr[i] = e;
        s += e;
      }
      float inv = 1.0f / s;
      for (int64_t i = 0; i < V; ++i) yr[i] *= inv;
    }
  }
}

template <bool Log>
void softmax_backward(const float* y, const float* dy, float* dx, bool add, int64_t N, int64_t V) {
#pragma omp parallel for schedule(static) if (N * V >= kParallelMin)
  for (int64_t r = 0; r < N; ++r) {
    const float* yr = y + r * V;
    const float* dyr = dy + r * V;
    float s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < V; ++i) s += Log ? dyr[i] : dyr[i] * yr[i];
    kernels::store_or_add(dx + r * V, add, 0, V,
                          [&](int64_t i) { return Log ? dyr[i] - vexp(yr[i]) * s : yr[i] * (dyr[i] - s); });
  }
}

template <bool Log>
Tensor softmax_op(const char* name, const Tensor& x_in) {
  check_f32(x_in, name, "x");
  LMF_CHECK_SHAPE(x_in.dim() >= 1, name, "x " + x_in.shape().str() + " needs a last dim");
  Tensor x = x_in.contiguous();
  int64_t V = x.size(-1), N = V ? x.numel() / V : 0;
  Tensor y = Tensor::empty(x.shape());
  softmax_forward<Log>(x.f32(), y.f32(), N, V);
  if (autograd::should_record({&x})) {
    autograd::record(name, y, [gx = autograd::GradSink(x), ys = y.detach(), N, V](const Tensor& dy) mutable {
      bool add;
      float* dx = gx.buffer_for_write(&add);
      softmax_backward<Log>(ys.f32(), dy.f32(), dx, add, N, V);
    });
  }
  return y;
}

}  // namespace

Tensor softmax(const Tensor& x) { return softmax_op<false>("softmax", x); }
Tensor log_softmax(const Tensor& x) { return softmax_op<true>("log_softmax", x); }

}  // namespace lmf
