// Losses on preference pairs (chosen over rejected), forward and backward side by side:
// the Bradley–Terry loss of a reward model (align/reward_train.h) and the DPO loss
// (align/dpo.h). PPO's loss is core/ops/ppo_loss.h, the token losses core/ops/loss.h.
#pragma once
#include "core/tensor.h"

namespace lmf {

// Bradley–Terry pairwise loss of a reward model: chosen (N), rejected (N) scores → scalar
// mean over n of −log σ(chosen[n] − rejected[n]) (torch: -F.logsigmoid(c - r).mean()),
// computed as softplus(r − c) without overflow for any margin. Backward: with
// s[n] = σ(r[n] − c[n]), dchosen[n] = −dy · s[n] / N and drejected[n] = +dy · s[n] / N.
// N = 0 or differing shapes are ShapeErrors naming both shapes.
Tensor bradley_terry(const Tensor& chosen, const Tensor& rejected);

// ---- DPO loss (Rafailov et al., 2023), as TRL's `sigmoid` loss.

// policy_chosen, policy_rejected, ref_chosen, ref_rejected (N) fp32: each pair's summed
// response log-probability under the policy and the reference → scalar
//   mean_n −log σ(z_n),   z_n = β · ((πc_n − rc_n) − (πr_n − rr_n)),
// evaluated as softplus(−z_n) in double (finite for any z). Backward, with
// s_n = dy · β · σ(−z_n) / N:  dπc = −s, dπr = +s, drc = +s, drr = −s, to whichever
// inputs require grad (the reference's are normally constants). Shapes other than four
// equal (N), N ≥ 1, are ShapeErrors naming the argument.
Tensor dpo_loss(const Tensor& policy_chosen, const Tensor& policy_rejected, const Tensor& ref_chosen,
                const Tensor& ref_rejected, float beta);

// The implicit rewards TRL logs, β · (policy − ref) (N), outside autograd.
Tensor dpo_rewards(const Tensor& policy, const Tensor& ref, float beta);

}  // namespace lmf
