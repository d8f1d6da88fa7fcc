// Rollouts for PPO: responses sampled from the policy for a batch of prompts (KV-cache
// generation, infer/), then scored in one batched forward pass each by
//   - the policy: the log-probability of every response token ("old" log-probs of the update),
//   - the value head on the policy's final hidden states: the value at every response token,
//   - the reference model with its hooks off: the reference log-probabilities of the KL
//     penalty (the frozen starting model; with LoRA, pass the policy itself: its base
//     without the adapter is the reference).
//
// Layout (align/sequence_logprob.h): row n is prompts[n] ++ responses[n]; response token j
// and its log-probs and value sit at column prompt_len[n] − 1 + j, the position whose
// hidden state predicts it; `mask` is 1 there and 0 elsewhere, where log-probs and values
// are 0.
//
// Sampling: each token is drawn from softmax(logits / temperature) (no top-k/top-p: the
// policy's own distribution) by the inverse CDF in id order at a counter-based uniform
// (core/random.h) keyed by (seed, prompt index, token index), so a rollout is reproducible
// for a seed whatever the batching or thread count. Prompts of equal length are decoded
// together (one batched KV cache); a response ends after the `stop` ids, at max_new_tokens,
// or when the model's context is full. Log-probs are those of logits / temperature.
#pragma once
#include <cstdint>
#include <vector>

#include "align/sequence_logprob.h"
#include "align/value_head.h"
#include "models/transformer.h"

namespace lmf::align {

struct RolloutOptions {
  int64_t max_new_tokens = 32;
  float temperature = 1.0f;
  std::vector<int32_t> stop;  // a response ends after this id sequence (empty: none)
  uint64_t seed = 0;
};

struct Rollout {
  std::vector<Ids> prompts, responses;
  ScoredBatch batch;
  Tensor mask;                   // (N, T) 1 at response tokens
  Tensor logp, ref_logp, values; // (N, T) policy, reference, value head (no grad)
  double entropy = 0;            // mean entropy (nats) of the sampling distribution per response token
  int64_t tokens = 0;            // response tokens in the batch
};

// Responses to `prompts` sampled from `model` with its current hooks; `entropy_sum`, when
// given, receives the summed per-token entropy of the sampling distributions.
std::vector<Ids> sample_responses(Transformer& model, const std::vector<Ids>& prompts, const RolloutOptions& opt,
                                  double* entropy_sum = nullptr);

struct PolicyOutput {
  Tensor logp, values;  // (N, T): log p(target) / temperature-scaled, 0 off the response; v on every column
};
// The policy's token log-probabilities and the value head's values from one pass of the
// trunk; differentiable in the model's trainable tensors (and hooks') and the head's.
PolicyOutput policy_forward(Transformer& model, const ValueHead& vh, const ScoredBatch& b, float temperature = 1.0f);

// (N, T) 1 where b.targets holds a response token.
Tensor response_mask(const ScoredBatch& b);

// Samples, then scores with the policy, its value head and the reference (see above).
Rollout rollout(Transformer& policy, const ValueHead& vh, Transformer& reference, const std::vector<Ids>& prompts,
                const RolloutOptions& opt);

}  // namespace lmf::align
