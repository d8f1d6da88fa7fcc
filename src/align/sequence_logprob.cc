#include "align/sequence_logprob.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "core/ops/concat.h"
#include "core/ops/elementwise.h"
#include "core/ops/loss.h"
#include "core/ops/matmul.h"
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

Tensor window_logprobs(Transformer& model, const Tensor& h, const ScoredBatch& b, float temperature) {
  const int64_t N = b.ids.size(0), T = b.ids.size(1), C = h.size(2);
  // The rows' windows [P − 1, P − 1 + R) stacked into (M, C), M = Σ R.
  std::vector<Tensor> windows;
  std::vector<int32_t> tgt;
  const int32_t* y = b.targets.data<int32_t>();
  for (int64_t n = 0; n < N; ++n) {
    const int64_t P = b.prompt_len[size_t(n)], R = b.response_len[size_t(n)];
    if (R == 0) continue;
    windows.push_back(h.slice(0, n, n + 1).slice(1, P - 1, P - 1 + R).reshape({R, C}));
    tgt.insert(tgt.end(), y + n * T + P - 1, y + n * T + P - 1 + R);
  }
  const int64_t M = int64_t(tgt.size());
  if (M == 0) return Tensor::zeros({0});
  Tensor logits = model.lm_head(concat(windows, 0));  // (M, V)
  if (temperature != 1.0f) logits = scale(logits, 1.0f / temperature);
  return token_logprobs(logits, Tensor::from_ints(tgt, {M}));
}

Tensor scatter_windows(const Tensor& lp, const ScoredBatch& b) {
  const int64_t N = b.ids.size(0), T = b.ids.size(1);
  std::vector<Tensor> rows;
  int64_t m = 0;
  for (int64_t n = 0; n < N; ++n) {
    const int64_t P = b.prompt_len[size_t(n)], R = b.response_len[size_t(n)];
    std::vector<Tensor> parts;
    if (P - 1 > 0) parts.push_back(Tensor::zeros({P - 1}));
    if (R > 0) parts.push_back(lp.slice(0, m, m + R));
    if (T - (P - 1) - R > 0) parts.push_back(Tensor::zeros({T - (P - 1) - R}));
    rows.push_back((parts.size() == 1 ? parts[0] : concat(parts, 0)).reshape({1, T}));
    m += R;
  }
  return concat(rows, 0);  // (N, T)
}

Tensor response_logprobs(Transformer& model, const ScoredBatch& b, const ForwardOptions& opt) {
  const int64_t N = b.ids.size(0);
  Tensor lp = window_logprobs(model, model.hidden(b.ids, opt), b);  // (M)
  const int64_t M = lp.size(0);
  if (M == 0) return Tensor::zeros({N});
  // Row sums as one product with the (N, M) 0/1 matrix of which row each token belongs to.
  std::vector<float> seg(size_t(N * M), 0.0f);
  for (int64_t n = 0, m = 0; n < N; ++n)
    for (int64_t j = 0; j < b.response_len[size_t(n)]; ++j, ++m) seg[size_t(n * M + m)] = 1.0f;
  return matmul(Tensor::from_vector(seg, {N, M}), lp.reshape({M, 1})).reshape({N});
}

}  // namespace lmf::align
