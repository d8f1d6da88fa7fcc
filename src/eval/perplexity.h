// Perplexity of a language model over a token shard, with the windowing of
// `lmforge eval`:
//
//   window i = 0, 1, ... has inputs ids[iT : iT+T] and targets ids[iT+1 : iT+T+1], for
//   every i with iT+T+1 <= N; so W = floor((N-1) / T) windows, W·T targets scored, and
//   each token is a target at most once. loss = the mean next-token loss over all W·T
//   targets; ppl = exp(loss).
//
// Windows are grouped B at a time into (b, T) int32 batches (b = B except possibly the
// last batch) and handed, in order, to a callable that returns the mean loss over the
// batch's b·T targets — the model's forward pass in the real command, any function in
// tests. Batch means are weighted by their target counts and summed in double.
#pragma once
#include <cstdint>
#include <functional>

#include "core/tensor.h"
#include "data/token_shard.h"
#include "models/transformer.h"

namespace lmf::eval {

struct PerplexityResult {
  double loss = 0;     // mean next-token loss (nats)
  double ppl = 0;      // exp(loss)
  int64_t tokens = 0;  // targets scored: W·T
};

// Mean loss over a batch: inputs and targets are int32 (b, T).
using BatchLossFn = std::function<double(const Tensor& inputs, const Tensor& targets)>;

// Evaluates windows [0, W) or, with max_windows > 0, the first min(W, max_windows).
// Error naming the shard when it holds fewer than T+1 tokens or T, B < 1.
PerplexityResult evaluate_perplexity(const data::TokenShard& shard, int64_t T, int64_t B, const BatchLossFn& loss,
                                     int64_t max_windows = 0);

// The perplexity of `model` (hooks included, no gradients) over the token shard at
// `shard_path`: windows of T tokens (T = 0: the model's context; more than it is an Error),
// B windows a forward pass.
PerplexityResult model_perplexity(Transformer& model, const std::string& shard_path, int64_t T, int64_t B,
                                  int64_t max_windows = 0);

}  // namespace lmf::eval
