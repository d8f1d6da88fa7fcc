// PPO clipped policy and value loss: forward and backward side by side.
#include "core/ops/ppo_loss.h"

#include <algorithm>
#include <cmath>

#include "core/autograd.h"
#include "core/kernels/grad_store.h"

namespace lmf {
namespace {

struct Inputs {
  const float *logp, *v, *old_logp, *old_v, *adv, *ret, *mask;
};

inline float clampf(float x, float lo, float hi) { return std::min(std::max(x, lo), hi); }

// The per-token terms of entry i.
struct Token {
  float ratio, pg1, pg2, vf1, vf2;
};

inline Token token(const Inputs& in, int64_t i, const PpoLossOptions& o) {
  Token t;
  t.ratio = std::exp(in.logp[i] - in.old_logp[i]);
  t.pg1 = -in.adv[i] * t.ratio;
  t.pg2 = -in.adv[i] * clampf(t.ratio, 1.0f - o.cliprange, 1.0f + o.cliprange);
  const float vc = clampf(in.v[i], in.old_v[i] - o.cliprange_value, in.old_v[i] + o.cliprange_value);
  t.vf1 = (in.v[i] - in.ret[i]) * (in.v[i] - in.ret[i]);
  t.vf2 = (vc - in.ret[i]) * (vc - in.ret[i]);
  return t;
}

}  // namespace

// logp, values, old_logp, old_values, advantages, returns, mask (N, T) → loss [].
Tensor ppo_loss(const Tensor& logp_in, const Tensor& values_in, const Tensor& old_logp_in, const Tensor& old_values_in,
                const Tensor& adv_in, const Tensor& ret_in, const Tensor& mask_in, const PpoLossOptions& opt,
                PpoLossStats* stats) {
  const char* op = "ppo_loss";
  check_f32(logp_in, op, "logp");
  LMF_CHECK_SHAPE(logp_in.dim() == 2, op, "logp must be (N, T), got " + logp_in.shape().str());
  const std::pair<const char*, const Tensor*> others[] = {{"values", &values_in},     {"old_logp", &old_logp_in},
                                                          {"old_values", &old_values_in}, {"advantages", &adv_in},
                                                          {"returns", &ret_in},        {"mask", &mask_in}};
  for (const auto& [name, t] : others) {
    check_f32(*t, op, name);
    LMF_CHECK_SHAPE(t->shape() == logp_in.shape(), op,
                    std::string(name) + " " + t->shape().str() + " must have logp's shape " + logp_in.shape().str());
  }
  Tensor logp = logp_in.contiguous(), v = values_in.contiguous(), old_logp = old_logp_in.contiguous(),
         old_v = old_values_in.contiguous(), adv = adv_in.contiguous(), ret = ret_in.contiguous(),
         mask = mask_in.contiguous();
  const Inputs in{logp.f32(), v.f32(), old_logp.f32(), old_v.f32(), adv.f32(), ret.f32(), mask.f32()};
  const int64_t n = logp.numel();
  double cnt = 0, pg = 0, vf = 0, pgc = 0, vfc = 0, akl = 0, pkl = 0, rm = 0;
  for (int64_t i = 0; i < n; ++i) {
    const double m = in.mask[i];
    if (m == 0) continue;
    const Token t = token(in, i, opt);
    const double d = double(in.logp[i]) - double(in.old_logp[i]);
    cnt += m;
    pg += m * std::max(t.pg1, t.pg2);
    vf += m * std::max(t.vf1, t.vf2);
    pgc += m * (t.pg2 > t.pg1);
    vfc += m * (t.vf2 > t.vf1);
    akl += m * d * d;
    pkl += -m * d;
    rm += m * t.ratio;
  }
  const double inv = cnt > 0 ? 1.0 / cnt : 0.0;
  PpoLossStats s;
  s.tokens = cnt;
  s.pg_loss = pg * inv;
  s.vf_loss = 0.5 * vf * inv;
  s.pg_clipfrac = pgc * inv;
  s.vf_clipfrac = vfc * inv;
  s.approx_kl = 0.5 * akl * inv;
  s.policy_kl = pkl * inv;
  s.ratio_mean = rm * inv;
  if (stats) *stats = s;
  Tensor loss = Tensor::full({}, float(s.pg_loss + double(opt.vf_coef) * s.vf_loss));
  if (autograd::should_record({&logp_in, &values_in})) {
    autograd::record(op, loss, [glp = autograd::GradSink(logp_in), gv = autograd::GradSink(values_in), logp, v,
                                old_logp, old_v, adv, ret, mask, opt, inv, n](const Tensor& dy) mutable {
      const Inputs in{logp.f32(), v.f32(), old_logp.f32(), old_v.f32(), adv.f32(), ret.f32(), mask.f32()};
      const float k = dy.item() * float(inv);
      bool add;
      if (glp.wanted()) {
        float* g = glp.buffer_for_write(&add);
        kernels::store_or_add(g, add, 0, n, [&](int64_t i) {
          if (in.mask[i] == 0) return 0.0f;
          const Token t = token(in, i, opt);
          return t.pg1 >= t.pg2 ? k * in.mask[i] * t.pg1 : 0.0f;  // d(−A·r)/dlogp = −A·r
        });
      }
      if (gv.wanted()) {
        float* g = gv.buffer_for_write(&add);
        const float kv = k * opt.vf_coef;
        kernels::store_or_add(g, add, 0, n, [&](int64_t i) {
          if (in.mask[i] == 0) return 0.0f;
          const Token t = token(in, i, opt);
          return t.vf1 >= t.vf2 ? kv * in.mask[i] * (in.v[i] - in.ret[i]) : 0.0f;
        });
      }
    });
  }
  return loss;
}

}  // namespace lmf
