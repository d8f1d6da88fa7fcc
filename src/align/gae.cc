#include "align/gae.h"

#include <cmath>
#include <string>

#include "core/error.h"

namespace lmf::align {
namespace {

void check_pair(const char* op, const Tensor& x, const Tensor& mask) {
  check_f32(x, op, "x");
  check_f32(mask, op, "mask");
  LMF_CHECK_SHAPE(x.dim() == 2 && x.shape() == mask.shape(), op,
              "x " + x.shape().str() + " and mask " + mask.shape().str() + " must both be (N, T)");
}

}  // namespace

double masked_mean(const Tensor& x_in, const Tensor& mask_in) {
  check_pair("masked_mean", x_in, mask_in);
  Tensor x = x_in.contiguous(), m = mask_in.contiguous();
  const float *xp = x.f32(), *mp = m.f32();
  double s = 0, n = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    s += double(xp[i]) * mp[i];
    n += mp[i];
  }
  return n > 0 ? s / n : 0.0;
}

double masked_var(const Tensor& x_in, const Tensor& mask_in, bool unbiased) {
  const double mean = masked_mean(x_in, mask_in);
  Tensor x = x_in.contiguous(), m = mask_in.contiguous();
  const float *xp = x.f32(), *mp = m.f32();
  double s = 0, n = 0;
  for (int64_t i = 0; i < x.numel(); ++i) {
    const double d = double(xp[i]) - mean;
    s += d * d * mp[i];
    n += mp[i];
  }
  if (unbiased && n < 2)
    throw Error("masked_var: " + std::to_string(n) + " masked entries, need at least 2 for the unbiased variance");
  double var = n > 0 ? s / n : 0.0;
  if (unbiased) var *= n / (n - 1);
  return var;
}

Tensor masked_whiten(const Tensor& x_in, const Tensor& mask, bool shift_mean) {
  const double mean = masked_mean(x_in, mask), var = masked_var(x_in, mask);
  const double inv = 1.0 / std::sqrt(var + 1e-8);
  Tensor x = x_in.contiguous();
  Tensor out = Tensor::empty(x.shape());
  const float* xp = x.f32();
  float* o = out.f32();
  for (int64_t i = 0; i < x.numel(); ++i) o[i] = float((double(xp[i]) - mean) * inv + (shift_mean ? 0.0 : mean));
  return out;
}

// rewards, values, mask (N, T) → advantages, returns (N, T).
Gae compute_gae(const Tensor& rewards_in, const Tensor& values_in, const Tensor& mask_in, const GaeOptions& opt) {
  check_pair("compute_gae", rewards_in, mask_in);
  check_pair("compute_gae", values_in, mask_in);
  const int64_t N = mask_in.size(0), T = mask_in.size(1);
  Tensor m = mask_in.contiguous();
  const float* mp = m.f32();
  auto masked = [&](const Tensor& t) {
    Tensor c = t.contiguous(), out = Tensor::empty({N, T});
    const float* cp = c.f32();
    float* o = out.f32();
    for (int64_t i = 0; i < N * T; ++i) o[i] = cp[i] * mp[i];
    return out;
  };
  Tensor values = masked(values_in), rewards = masked(rewards_in);
  if (opt.whiten_rewards) rewards = masked_whiten(rewards, m, /*shift_mean=*/false);
  Gae g{Tensor::empty({N, T}), Tensor::empty({N, T})};
  const float *v = values.f32(), *r = rewards.f32();
  float *adv = g.advantages.f32(), *ret = g.returns.f32();
  for (int64_t n = 0; n < N; ++n) {
    double last = 0;
    for (int64_t t = T - 1; t >= 0; --t) {
      const int64_t i = n * T + t;
      const double next = t + 1 < T ? double(v[i + 1]) : 0.0;
      const double delta = double(r[i]) + opt.gamma * next - double(v[i]);
      last = delta + opt.gamma * opt.lam * last;
      adv[i] = float(last);
      ret[i] = float(last + double(v[i]));
    }
  }
  if (opt.whiten_advantages) g.advantages = masked_whiten(g.advantages, m);
  return g;
}

}  // namespace lmf::align
