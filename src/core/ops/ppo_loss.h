// PPO's clipped objective (Schulman et al., 2017) over the response tokens of a rollout
// minibatch, fused: forward and backward in one op, as TRL's PPOTrainer.loss computes it.
//
// Every tensor is (N, T) fp32; `mask` is 1 at response tokens and 0 elsewhere. With
// r = exp(logp − old_logp) and n = Σ mask:
//
//   pg   = Σ mask · max(−A·r, −A·clip(r, 1 − ε, 1 + ε)) / n
//   vf   = ½ · Σ mask · max((v − R)², (clip(v, v_old − ε_v, v_old + ε_v) − R)²) / n
//   loss = pg + vf_coef · vf                                                 (a scalar [])
//
// Gradients reach `logp` and `values` (the current policy's token log-probabilities and
// value predictions); old_logp, old_values, advantages A, returns R and mask are constants.
// Backward (g = d/dloss):
//   dlogp = g · mask · (−A·r) / n   where −A·r ≥ −A·clip(r) (the unclipped side), else 0
//   dv    = g · vf_coef · mask · (v − R) / n   where (v − R)² ≥ (clip(v) − R)², else 0
// (at a tie the two sides are equal and both pass the same gradient, as torch.max's
// even split of it does). With n = 0 the loss and the gradients are 0.
//
// The stats TRL logs come with the forward, over the masked entries:
//   pg_clipfrac  share where the clipped policy side is taken (−A·clip(r) > −A·r)
//   vf_clipfrac  share where the clipped value side is taken
//   approx_kl    ½ · mean (logp − old_logp)²;   policy_kl  mean (old_logp − logp)
//   ratio_mean   mean r
// Sums are accumulated in double, in row-major order.
#pragma once
#include "core/tensor.h"

namespace lmf {

struct PpoLossOptions {
  float cliprange = 0.2f;        // ε
  float cliprange_value = 0.2f;  // ε_v
  float vf_coef = 0.1f;          // TRL's defaults
};

struct PpoLossStats {
  double pg_loss = 0, vf_loss = 0, pg_clipfrac = 0, vf_clipfrac = 0, approx_kl = 0, policy_kl = 0, ratio_mean = 0;
  double tokens = 0;  // n
};

// ShapeError naming the argument when a tensor is not (N, T) fp32 like `logp`.
Tensor ppo_loss(const Tensor& logp, const Tensor& values, const Tensor& old_logp, const Tensor& old_values,
                const Tensor& advantages, const Tensor& returns, const Tensor& mask, const PpoLossOptions& opt = {},
                PpoLossStats* stats = nullptr);

}  // namespace lmf
