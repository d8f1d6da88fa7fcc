// Pointwise activations: forward and backward side by side. Each activation is a pair of
// scalar functions (value, derivative) run by one vectorised, OpenMP-parallel loop; the
// backward recomputes from the saved input rather than keeping the output.
#include "core/ops/activation.h"

#include "core/autograd.h"
#include "core/kernels/grad_store.h"
#include "core/kernels/pointwise.h"
#include "core/kernels/vec_math.h"

namespace lmf {
namespace {

using autograd::GradSink;

using vmath::vexp;
using vmath::verf;
using vmath::vsigmoid;
using vmath::vtanh;

constexpr int64_t kParallelMin = 32768;

struct GeluTanh {
  static constexpr const char* name = "gelu_tanh";
  static constexpr float k = 0.7978845608028654f;  // √(2/π)
  static constexpr float c = 0.044715f;
  static float f(float x) { return 0.5f * x * (1.0f + vtanh(k * (x + c * x * x * x))); }
  static float df(float x) {
    float t = vtanh(k * (x + c * x * x * x));
    return 0.5f * (1.0f + t) + 0.5f * x * (1.0f - t * t) * k * (1.0f + 3.0f * c * x * x);
  }
};

struct GeluErf {
  static constexpr const char* name = "gelu";
  static float f(float x) { return 0.5f * x * (1.0f + verf(x * 0.7071067811865476f)); }
  static float df(float x) {  // Φ(x) + x·φ(x)
    float cdf = 0.5f * (1.0f + verf(x * 0.7071067811865476f));
    return cdf + x * 0.3989422804014327f * vexp(-0.5f * x * x);
  }
};

struct Silu {
  static constexpr const char* name = "silu";
  static float f(float x) { return x * vsigmoid(x); }
  static float df(float x) {  // σ(x)·(1 + x·(1 − σ(x)))
    float s = vsigmoid(x);
    return s * (1.0f + x * (1.0f - s));
  }
};

struct Tanh {
  static constexpr const char* name = "tanh";
  static float f(float x) { return vtanh(x); }
  static float df(float x) {  // 1 − tanh²(x)
    float t = vtanh(x);
    return 1.0f - t * t;
  }
};

// y = A::f(x); backward: grad_x += dy · A::df(x).
template <class A>
Tensor unary(const Tensor& x_in) {
  check_f32(x_in, A::name, "x");
  Tensor x = x_in.contiguous();
  Tensor out = Tensor::empty(x.shape());
  kernels::map(x.f32(), out.f32(), x.numel(), kParallelMin, [](float v) { return A::f(v); });
  if (autograd::should_record({&x})) {
    autograd::record(A::name, out, [gx = GradSink(x), xs = x.detach()](const Tensor& dy) mutable {
      bool add;
      float* g = gx.buffer_for_write(&add);
      const float* xp = xs.f32();
      const float* d = dy.f32();
      kernels::store_or_add_parallel(g, add, dy.numel(), kParallelMin, [&](int64_t i) { return d[i] * A::df(xp[i]); });
    });
  }
  return out;
}

}  // namespace

Tensor gelu_tanh(const Tensor& x) { return unary<GeluTanh>(x); }
Tensor gelu(const Tensor& x) { return unary<GeluErf>(x); }
Tensor silu(const Tensor& x) { return unary<Silu>(x); }
Tensor tanh(const Tensor& x) { return unary<Tanh>(x); }

// y = silu(gate) · up; backward: grad_gate += dy · up · silu'(gate), grad_up += dy · silu(gate).
Tensor swiglu(const Tensor& gate_in, const Tensor& up_in) {
  check_f32(gate_in, "swiglu", "gate");
  check_f32(up_in, "swiglu", "up");
  LMF_CHECK_SHAPE(gate_in.shape() == up_in.shape(), "swiglu",
                  "gate " + gate_in.shape().str() + " and up " + up_in.shape().str() + " must have equal shapes");
  Tensor gate = gate_in.contiguous(), up = up_in.contiguous();
  Tensor out = Tensor::empty(gate.shape());
  const float* gp = gate.f32();
  const float* up_p = up.f32();
  float* __restrict yp = out.f32();
  int64_t n = gate.numel();
#pragma omp parallel for simd schedule(static) if (n >= kParallelMin)
  for (int64_t i = 0; i < n; ++i) yp[i] = Silu::f(gp[i]) * up_p[i];
  if (autograd::should_record({&gate, &up})) {
    autograd::record("swiglu", out, [gg = GradSink(gate), gu = GradSink(up), gs = gate.detach(),
                                     us = up.detach()](const Tensor& dy) mutable {
      const float* gp = gs.f32();
      const float* up_p = us.f32();
      const float* d = dy.f32();
      int64_t n = dy.numel();
      bool add;
      if (gg.wanted()) {
        float* g = gg.buffer_for_write(&add);
        kernels::store_or_add_parallel(g, add, n, kParallelMin,
                                       [&](int64_t i) { return d[i] * up_p[i] * Silu::df(gp[i]); });
      }
      if (gu.wanted()) {
        float* g = gu.buffer_for_write(&add);
        kernels::store_or_add_parallel(g, add, n, kParallelMin, [&](int64_t i) { return d[i] * Silu::f(gp[i]); });
      }
    });
  }
  return out;
}

}  // namespace lmf
