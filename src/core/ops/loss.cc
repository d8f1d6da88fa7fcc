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
  check_shape(targets.defined() && targets.dtype() == DType::I32, op,
              "targets must be i32, got " + targets.str() + " (logits " + logits.str() + ")");
  check_shape(logits.dim() == 2 && targets.dim() == 1 && targets.size(0) == logits.size(0), op,
              "logits " + logits.shape().str() + " and targets " + targets.shape().str() + " must be (N, V) and (N)");
  const int64_t N = logits.size(0), V = logits.size(1);
  Tensor t = targets.contiguous();
  const int32_t* tp = t.data<int32_t>();
  int64_t count = 0;
  for (int64_t r = 0; r < N; ++r) {
    if (tp[r] == ignore_index) continue;
    check_shape(tp[r] >= 0 && tp[r] < V, op,
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

// chosen (N), rejected (N) → loss [].
Tensor bradley_terry(const Tensor& chosen_in, const Tensor& rejected_in) {
  check_f32(chosen_in, "bradley_terry", "chosen");
  check_f32(rejected_in, "bradley_terry", "rejected");
  check_shape(chosen_in.dim() == 1 && chosen_in.shape() == rejected_in.shape() && chosen_in.size(0) > 0,
              "bradley_terry",
              "chosen " + chosen_in.shape().str() + " and rejected " + rejected_in.shape().str() +
                  " must both be (N) with N > 0");
  Tensor c = chosen_in.contiguous(), r = rejected_in.contiguous();
  const int64_t N = c.size(0);
  const float *cp = c.f32(), *rp = r.f32();
  // s[n] = σ(r − c), kept for the backward; loss term softplus(r − c) = max(x, 0) + log1p(e^−|x|).
  Tensor s = Tensor::empty({N});
  float* sp = s.f32();
  double total = 0;
  for (int64_t n = 0; n < N; ++n) {
    const double x = double(rp[n]) - double(cp[n]);
    total += std::max(x, 0.0) + std::log1p(std::exp(-std::abs(x)));
    sp[n] = float(x >= 0 ? 1.0 / (1.0 + std::exp(-x)) : std::exp(x) / (1.0 + std::exp(x)));
  }
  Tensor loss = Tensor::full({}, float(total / double(N)));
  if (autograd::should_record({&c, &r})) {
    autograd::record("bradley_terry", loss, [gc = autograd::GradSink(c), gr = autograd::GradSink(r), s,
                                             N](const Tensor& dy) mutable {
      const float k = dy.item() / float(N);
      const float* sp = s.f32();
      if (gc.wanted()) {
        float* d = gc.buffer();
        for (int64_t n = 0; n < N; ++n) d[n] -= k * sp[n];
      }
      if (gr.wanted()) {
        float* d = gr.buffer();
        for (int64_t n = 0; n < N; ++n) d[n] += k * sp[n];
      }
    });
  }
  return loss;
}

}  // namespace lmf

// ---- DPO loss: forward and backward side by side.
namespace lmf {
namespace {

void check_pair_logps(const Tensor& t, const char* name, int64_t N) {
  check_f32(t, "dpo_loss", name);
  check_shape(t.dim() == 1 && t.size(0) == N && N >= 1, "dpo_loss",
              std::string(name) + " must be (N) with N >= 1 like policy_chosen (" + std::to_string(N) + "), got " +
                  t.shape().str());
}

}  // namespace

// (N) ×4 → [].
Tensor dpo_loss(const Tensor& pc_in, const Tensor& pr_in, const Tensor& rc_in, const Tensor& rr_in, float beta) {
  check_f32(pc_in, "dpo_loss", "policy_chosen");
  const int64_t N = pc_in.dim() == 1 ? pc_in.size(0) : -1;
  check_pair_logps(pc_in, "policy_chosen", N);
  check_pair_logps(pr_in, "policy_rejected", N);
  check_pair_logps(rc_in, "ref_chosen", N);
  check_pair_logps(rr_in, "ref_rejected", N);
  Tensor pc = pc_in.contiguous(), pr = pr_in.contiguous(), rc = rc_in.contiguous(), rr = rr_in.contiguous();
  // sig[n] = σ(−z_n), what the backward needs.
  Tensor sig = Tensor::empty({N});
  double total = 0;
  for (int64_t n = 0; n < N; ++n) {
    const double z = double(beta) * ((double(pc.f32()[n]) - rc.f32()[n]) - (double(pr.f32()[n]) - rr.f32()[n]));
    total += z > 0 ? std::log1p(std::exp(-z)) : -z + std::log1p(std::exp(z));  // softplus(−z)
    sig.f32()[n] = float(z > 0 ? std::exp(-z) / (1 + std::exp(-z)) : 1 / (1 + std::exp(z)));
  }
  Tensor loss = Tensor::full({}, float(total / double(N)));
  if (autograd::should_record({&pc, &pr, &rc, &rr})) {
    autograd::record("dpo_loss", loss, [g0 = autograd::GradSink(pc), g1 = autograd::GradSink(pr),
                                        g2 = autograd::GradSink(rc), g3 = autograd::GradSink(rr), sig, beta,
                                        N](const Tensor& dy) mutable {
      const float k = dy.item() * beta / float(N);
      autograd::GradSink* sinks[4] = {&g0, &g1, &g2, &g3};  // πc, πr, rc, rr
      const float sign[4] = {-1, 1, 1, -1};
      for (int i = 0; i < 4; ++i) {
        if (!sinks[i]->wanted()) continue;
        float* g = sinks[i]->buffer();
        for (int64_t n = 0; n < N; ++n) g[n] += sign[i] * k * sig.f32()[n];
      }
    });
  }
  return loss;
}

// (N), (N) → (N).
Tensor dpo_rewards(const Tensor& policy_in, const Tensor& ref_in, float beta) {
  check_f32(policy_in, "dpo_rewards", "policy");
  check_f32(ref_in, "dpo_rewards", "ref");
  check_shape(policy_in.dim() == 1 && policy_in.shape() == ref_in.shape(), "dpo_rewards",
              "policy " + policy_in.shape().str() + " and ref " + ref_in.shape().str() + " must be the same (N)");
  Tensor p = policy_in.contiguous(), r = ref_in.contiguous();
  const int64_t N = p.size(0);
  Tensor out = Tensor::empty({N});
  for (int64_t n = 0; n < N; ++n) out.f32()[n] = float(double(beta) * (double(p.f32()[n]) - r.f32()[n]));
  return out;
}

}  // namespace lmf
