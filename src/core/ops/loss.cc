// Fused cross-entropy: forward and backward side by side.
#include "core/ops/loss.h"

#include <cmath>
#include <algorithm>

#include "core/autograd.h"
#include "core/kernels/vec_math.h"

namespace lmf {
namespace {

using vmath::vexp;

constexpr int64_t kBlock = 512;          // floats per step of the running max/sum (in L1)
constexpr int64_t kParallelMin = 16384;  // elements

// logsumexp of one row in a single pass: per block, the block's max, then its exponentials
// against the running max (rescaling the running sum when the max grows).
inline float row_logsumexp(const float* x, int64_t V) {
  float m = -INFINITY, s = 0;
  for (int64_t b = 0; b < V; b += kBlock) {
    int64_t e = std::min(V, b + kBlock);
    float bm = -INFINITY;
#pragma omp simd reduction(max : bm)
    for (int64_t i = b; i < e; ++i) bm = x[i] > bm ? x[i] : bm;
    if (bm > m) {
      s *= vexp(m - bm);
      m = bm;
    }
    float bs = 0;
#pragma omp simd reduction(+ : bs)
    for (int64_t i = b; i < e; ++i) bs += vexp(x[i] - m);
    s += bs;
  }
  return m + std::log(s);
}

// lse (N) = logsumexp of every non-ignored row, row_loss (N) = lse − x[target] (0 when
// ignored); returns Σ row_loss, added in double in row order (the same for any thread count).
double ce_forward(const float* x, const int32_t* t, float* lse, float* row_loss, int64_t N, int64_t V, int ignore) {
#pragma omp parallel for schedule(static) if (N * V >= kParallelMin)
  for (int64_t r = 0; r < N; ++r) {
    row_loss[r] = 0.0f;
    if (t[r] == ignore) continue;
    const float* xr = x + r * V;
    lse[r] = row_logsumexp(xr, V);
    row_loss[r] = lse[r] - xr[t[r]];
  }
  double total = 0;
  for (int64_t r = 0; r < N; ++r) total += row_loss[r];
  return total;
}

// dx[r] = (softmax(x[r]) − onehot(t[r])) · k(r) for kept rows, 0 for ignored ones; stored,
// or added when `add`.
template <class K>
void ce_backward(const float* x, const int32_t* t, const float* lse, K k, float* dx, bool add, int64_t N, int64_t V,
                 int ignore) {
#pragma omp parallel for schedule(static) if (N * V >= kParallelMin)
  for (int64_t r = 0; r < N; ++r) {
    float* __restrict dxr = dx + r * V;
    if (t[r] == ignore) {
      if (!add)
        for (int64_t i = 0; i < V; ++i) dxr[i] = 0.0f;
      continue;
    }
    const float* xr = x + r * V;
    const float l = lse[r], kr = k(r);
    if (add) {
      for (int64_t i = 0; i < V; ++i) dxr[i] += vexp(xr[i] - l) * kr;
    } else {
      for (int64_t i = 0; i < V; ++i) dxr[i] = vexp(xr[i] - l) * kr;
    }
    dxr[t[r]] -= kr;
  }
}

// Checks logits (N, V) f32 and targets (N) i32 with every kept target in [0, V); returns
// the number of kept rows.
int64_t check_targets(const char* op, const Tensor& logits, const Tensor& targets, int ignore_index) {
  check_f32(logits, op, "logits");
  LMF_CHECK_SHAPE(targets.defined() && targets.dtype() == DType::I32, op,
                  "targets must be i32, got " + targets.str() + " (logits " + logits.str() + ")");
  LMF_CHECK_SHAPE(logits.dim() == 2 && targets.dim() == 1 && targets.size(0) == logits.size(0), op,
                  "logits " + logits.shape().str() + " and targets " + targets.shape().str() + " must be (N, V) and (N)");
  const int64_t N = logits.size(0), V = logits.size(1);
  Tensor t = targets.contiguous();
  const int32_t* tp = t.data<int32_t>();
  int64_t count = 0;
  for (int64_t r = 0; r < N; ++r) {
    if (tp[r] == ignore_index) continue;
    LMF_CHECK_SHAPE(tp[r] >= 0 && tp[r] < V, op,
                    "target " + std::to_string(tp[r]) + " at row " + std::to_string(r) + " is outside [0, V) for V = " +
                    std::to_string(V) + " (logits " + logits.shape().str() + ", ignore_index " +
                    std::to_string(ignore_index) + ")");
    ++count;
  }
  return count;
}

}  // namespace

// logits (N, V), targets (N) → loss [].
Tensor cross_entropy(const Tensor& logits_in, const Tensor& targets_in, int ignore_index) {
  const int64_t count = check_targets("cross_entropy", logits_in, targets_in, ignore_index);
  Tensor x = logits_in.contiguous(), t = targets_in.contiguous();
  const int64_t N = x.size(0), V = x.size(1);
  Tensor lse = Tensor::empty({N}), row_loss = Tensor::empty({N});
  double total = ce_forward(x.f32(), t.data<int32_t>(), lse.f32(), row_loss.f32(), N, V, ignore_index);
  Tensor loss = Tensor::full({}, count ? float(total / double(count)) : 0.0f);
  if (autograd::should_record({&x})) {
    autograd::record("cross_entropy", loss, [gx = autograd::GradSink(x), xs = x.detach(), t, lse, count, N, V,
                                             ignore_index](const Tensor& dy) mutable {
      bool add;
      float* dx = gx.buffer_for_write(&add);
      const float k = count ? dy.item() / float(count) : 0.0f;
      ce_backward(xs.f32(), t.data<int32_t>(), lse.f32(), [k](int64_t) { return k; }, dx, add, N, V, ignore_index);
    });
  }
  return loss;
}

// logits (N, V), targets (N) → (N).
Tensor token_logprobs(const Tensor& logits_in, const Tensor& targets_in, int ignore_index) {
  check_targets("token_logprobs", logits_in, targets_in, ignore_index);
  Tensor x = logits_in.contiguous(), t = targets_in.contiguous();
  const int64_t N = x.size(0), V = x.size(1);
  Tensor lse = Tensor::empty({N}), out = Tensor::empty({N});
  ce_forward(x.f32(), t.data<int32_t>(), lse.f32(), out.f32(), N, V, ignore_index);
  float* o = out.f32();
  for (int64_t r = 0; r < N; ++r) o[r] = -o[r];  // row loss = lse − x[target]
  if (autograd::should_record({&x})) {
    autograd::record("token_logprobs", out, [gx = autograd::GradSink(x), xs = x.detach(), t, lse, N, V,
                                             ignore_index](const Tensor& dy) mutable {
      bool add;
      float* dx = gx.buffer_for_write(&add);
      Tensor g = dy.contiguous();
      const float* gp = g.f32();
      // d(x[t] − lse)/dx = onehot − softmax: the cross-entropy backward with k = −dy[r].
      ce_backward(xs.f32(), t.data<int32_t>(), lse.f32(), [gp](int64_t r) { return -gp[r]; }, dx, add, N, V,
                  ignore_index);
    });
  }
  return out;
}

}  // namespace lmf
