#include "align/sequence_logprob.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "core/ops/loss.h"
#include "core/ops/reduce.h"

namespace lmf::align {

ScoredBatch make_scored_batch(const std::vector<Ids>& prompts, const std::vector<Ids>& responses, int64_t max_len) {
  if (prompts.size() != responses.size() || prompts.empty())
    throw Error("make_scored_batch: " + std::to_string(prompts.size()) + " prompts and " +
                std::to_string(responses.size()) + " responses (need the same, non-zero, number)");
  const int64_t N = int64_t(prompts.size());
  ScoredBatch b;
  int64_t T = 1;
  for (int64_t n = 0; n < N; ++n) {
    const int64_t P = int64_t(prompts[size_t(n)].size()), R = int64_t(responses[size_t(n)].size());
    if (P == 0) throw Error("pair " + std::to_string(n) + ": the prompt encodes to no tokens");
    if (P + R - 1 > max_len)
      throw Error("pair " + std::to_string(n) + ": prompt (" + std::to_string(P) + " tokens) + response (" +
                  std::to_string(R) + ") exceed the model's " + std::to_string(max_len) + " positions");
    b.prompt_len.push_back(P);
    b.response_len.push_back(R);
    T = std::max(T, P + R - 1);
  }
  std::vector<int32_t> x(size_t(N * T), 0), y(size_t(N * T), -100);
  for (int64_t n = 0; n < N; ++n) {
    Ids seq = prompts[size_t(n)];
    seq.insert(seq.end(), responses[size_t(n)].begin(), responses[size_t(n)].end());
    const int64_t P = b.prompt_len[size_t(n)];
    for (int64_t i = 0; i + 1 < int64_t(seq.size()); ++i) {
      x[size_t(n * T + i)] = seq[size_t(i)];
      if (i + 1 >= P) y[size_t(n * T + i)] = seq[size_t(i + 1)];
    }
    if (seq.size() == 1) x[size_t(n * T)] = seq[0];
  }
  b.ids = Tensor::from_ints(x, {N, T});
  b.targets = Tensor::from_ints(y, {N, T});
  return b;
}

Tensor response_token_logprobs(Transformer& model, const ScoredBatch& b, const ForwardOptions& opt) {
  const int64_t N = b.ids.size(0), T = b.ids.size(1);
  Tensor logits = model.forward(b.ids, opt);  // (N, T, V)
  Tensor lp = token_logprobs(logits.reshape({N * T, logits.size(2)}), b.targets.reshape({N * T}));
  return lp.reshape({N, T});
}

Tensor response_logprobs(Transformer& model, const ScoredBatch& b, const ForwardOptions& opt) {
  return sum(response_token_logprobs(model, b, opt), 1);
}

}  // namespace lmf::align
