// Log-probabilities of responses given prompts under a model — what DPO, PPO and the
// evaluation of alignment score. Sequence n is prompts[n] ++ responses[n]; response token j
// (at sequence index P + j) is predicted by the logits at index P + j − 1, so a prompt must
// hold at least one token.
//
// Batches are right-padded to the longest sequence (pad id 0, targets −100 there, which
// causal attention keeps from touching the real tokens).
#pragma once
#include <cstdint>
#include <vector>

#include "models/transformer.h"

namespace lmf::align {

using Ids = std::vector<int32_t>;

struct ScoredBatch {
  Tensor ids;      // (N, T) I32: sequence[0 .. T) (the last token of the longest is not an input)
  Tensor targets;  // (N, T) I32: sequence[i + 1] where that is a response token, else −100
  std::vector<int64_t> prompt_len, response_len;
};

// Error (naming the pair index) on an empty prompt or a sequence longer than `max_len` + 1.
ScoredBatch make_scored_batch(const std::vector<Ids>& prompts, const std::vector<Ids>& responses, int64_t max_len);

// (N, T): log p(target) at every response position, 0 elsewhere; differentiable in the
// model's trainable tensors (and its hooks'). Row n's response token j sits at column
// prompt_len[n] − 1 + j.
Tensor response_token_logprobs(Transformer& model, const ScoredBatch& b, const ForwardOptions& opt = {});
// (M), M = Σ response_len: log p(target) at the response positions only, row by row, from
// the hidden states h (N, T, C) of b.ids; logits divided by `temperature`. Only those
// positions go through the LM head (prompt logits are never formed).
Tensor window_logprobs(Transformer& model, const Tensor& h, const ScoredBatch& b, float temperature = 1.0f);
// window_logprobs' (M) values placed at their (N, T) positions, 0 elsewhere (differentiable).
Tensor scatter_windows(const Tensor& lp, const ScoredBatch& b);
// (N): the sum over each row's response tokens. Only the response positions' hidden states
// go through the LM head (prompt logits are never formed), so long prompts cost no
// head work.
Tensor response_logprobs(Transformer& model, const ScoredBatch& b, const ForwardOptions& opt = {});

}  // namespace lmf::align
