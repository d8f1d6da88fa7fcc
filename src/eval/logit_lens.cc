#include "eval/logit_lens.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <string>

#include "core/autograd.h"
#include "core/error.h"
#include "eval/log_sum_exp.h"

namespace lmf::eval {

std::vector<LensLayer> logit_lens(Transformer& model, const ForwardTrace& trace, int64_t k, int32_t target) {
  const int64_t V = model.config().vocab_size, C = model.config().n_embd;
  LMF_CHECK_SHAPE(!trace.residuals.empty(), "logit_lens", "the trace holds no residual streams");
  LMF_CHECK_SHAPE(k >= 1, "logit_lens", "k must be at least 1, got " + std::to_string(k));
  LMF_CHECK_SHAPE(target >= 0 && target < V, "logit_lens",
                  "target id " + std::to_string(target) + " is outside the vocabulary of " + std::to_string(V));
  k = std::min(k, V);
  autograd::NoGradGuard ng;
  std::vector<LensLayer> out;
  for (size_t l = 0; l < trace.residuals.size(); ++l) {
    const Tensor& x = trace.residuals[l];  // (B, T, C)
    LMF_CHECK_SHAPE(x.dim() == 3 && x.size(2) == C, "logit_lens",
                    "residual " + std::to_string(l) + " must be (B, T, C), got " + x.str());
    const int64_t T = x.size(1);
    const Tensor last = x.detach().slice(0, 0, 1).slice(1, T - 1, T).reshape({1, C});
    const std::vector<float> logits = model.lm_head(model.final_norm(last)).to_vector();  // (V)
    int64_t argmax = 0;
    const double lse = log_sum_exp(logits.data(), V, &argmax);
    LensLayer L;
    L.layer = int64_t(l);
    L.logprobs.resize(size_t(V));
    for (int64_t v = 0; v < V; ++v) L.logprobs[size_t(v)] = double(logits[size_t(v)]) - lse;
    std::vector<int32_t> order(static_cast<size_t>(V));
    std::iota(order.begin(), order.end(), 0);
    std::partial_sort(order.begin(), order.begin() + k, order.end(), [&](int32_t a, int32_t b) {
      return logits[size_t(a)] > logits[size_t(b)] || (logits[size_t(a)] == logits[size_t(b)] && a < b);
    });
    for (int64_t i = 0; i < k; ++i) L.top.push_back({order[size_t(i)], std::exp(L.logprobs[size_t(order[size_t(i)])])});
    L.target_prob = std::exp(L.logprobs[size_t(target)]);
    L.target_rank = 1 + std::count_if(logits.begin(), logits.end(), [&](float z) { return z > logits[size_t(target)]; });
    out.push_back(std::move(L));
  }
  return out;
}

}  // namespace lmf::eval
