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
//
// The losses on preference pairs (Bradley–Terry, DPO) are core/ops/preference_loss.h.
#pragma once
#include "core/tensor.h"

namespace lmf {

Tensor cross_entropy(const Tensor& logits, const Tensor& targets, int ignore_index = -100);

// Log-probability of each row's target: logits (N, V), targets (N) I32 → (N) with
// out[n] = logits[n, target[n]] − logsumexp(logits[n]), and 0 where target is ignore_index
// (torch: log_softmax(logits).gather(1, target) masked). Backward: dlogits[n] =
// dy[n] · (onehot(target[n]) − softmax(logits[n])), again one pass per row.
Tensor token_logprobs(const Tensor& logits, const Tensor& targets, int ignore_index = -100);

}  // namespace lmf
