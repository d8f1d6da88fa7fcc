// Cross-entropy of logits against integer targets, fused with the log-softmax.
//
// logits (N, V) fp32, targets (N) I32 → scalar (shape []) mean over the rows whose target
// is not ignore_index of  logsumexp(logits[n]) − logits[n, target[n]], as
// torch.nn.functional.cross_entropy(reduction='mean', ignore_index=...). When every row is
// ignored the loss is 0 and the gradient is 0. A target outside [0, V) that is not
// ignore_index is a ShapeError naming the row and the id.
//
// The forward reads each logits row once (running max and sum of exponentials per block)
// and keeps only each row's logsumexp; the backward writes (softmax − onehot) / count
// straight into the logits' gradient, again one pass per row.
#pragma once
#include "core/tensor.h"

namespace lmf {

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, int ignore_index = -100);

// Log-probability of each row's target: logits (N, V), targets (N) I32 → (N) with
// out[n] = logits[n, target[n]] − logsumexp(logits[n]), and 0 where target is ignore_index
// (torch: log_softmax(logits).gather(1, target) masked). Backward: dlogits[n] =
// dy[n] · (onehot(target[n]) − softmax(logits[n])), again one pass per row.
Tensor token_logprobs(const Tensor& logits, const Tensor& targets, int ignore_index = -100);

// Bradley–Terry pairwise loss of a reward model: chosen (N), rejected (N) scores → scalar
// mean over n of −log σ(chosen[n] − rejected[n]) (torch: -F.logsigmoid(c - r).mean()),
// computed as softplus(r − c) without overflow for any margin. Backward: with
// s[n] = σ(r[n] − c[n]), dchosen[n] = −dy · s[n] / N and drejected[n] = +dy · s[n] / N.
// N = 0 or differing shapes are ShapeErrors naming both shapes.
Tensor bradley_terry(const Tensor& chosen, const Tensor& rejected);

}  // namespace lmf

// ---- DPO loss (Rafailov et al., 2023), as TRL's `sigmoid` loss.
namespace lmf {

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
