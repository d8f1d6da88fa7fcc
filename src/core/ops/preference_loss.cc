// Preference-pair losses: forward and backward side by side.
#include "core/ops/preference_loss.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/autograd.h"

namespace lmf {

// chosen (N), rejected (N) → loss [].
Tensor bradley_terry(const Tensor& chosen_in, const Tensor& rejected_in) {
  check_f32(chosen_in, "bradley_terry", "chosen");
  check_f32(rejected_in, "bradley_terry", "rejected");
  LMF_CHECK_SHAPE(chosen_in.dim() == 1 && chosen_in.shape() == rejected_in.shape() && chosen_in.size(0) > 0,
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

// ---- DPO loss: forward and backward side by side.

namespace {

void check_pair_logps(const Tensor& t, const char* name, int64_t N) {
  check_f32(t, "dpo_loss", name);
  LMF_CHECK_SHAPE(t.dim() == 1 && t.size(0) == N && N >= 1, "dpo_loss",
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
  LMF_CHECK_SHAPE(policy_in.dim() == 1 && policy_in.shape() == ref_in.shape(), "dpo_rewards",
                  "policy " + policy_in.shape().str() + " and ref " + ref_in.shape().str() + " must be the same (N)");
  Tensor p = policy_in.contiguous(), r = ref_in.contiguous();
  const int64_t N = p.size(0);
  Tensor out = Tensor::empty({N});
  for (int64_t n = 0; n < N; ++n) out.f32()[n] = float(double(beta) * (double(p.f32()[n]) - r.f32()[n]));
  return out;
}

}  // namespace lmf
