#include "infer/decode_steps.h"

#include <algorithm>

#include "core/autograd.h"
#include "core/error.h"
#include "core/kernels/gemv.h"
#include "core/ops.h"

namespace lmf {

int64_t decode_max_rows() { return kernels::kGemvMaxRows; }

Tensor prefill(Transformer& model, std::span<const TokenId> ids, KVCache& cache, Tensor* all_logits) {
  autograd::NoGradGuard ng;
  LMF_CHECK_SHAPE(!ids.empty(), "prefill", "no tokens to prefill");
  ForwardOptions fo;
  fo.cache = &cache;
  std::vector<Tensor> parts;
  Tensor last;
  for (size_t at = 0; at < ids.size();) {
    // Up to the next multiple of kPrefillChunk cache positions (an empty cache first takes
    // the entries of prompt or prefix tuning, inside the model).
    const int64_t room = kPrefillChunk - cache.len % kPrefillChunk;
    const size_t n = std::min(ids.size() - at, size_t(room));
    std::vector<int32_t> chunk(ids.begin() + int64_t(at), ids.begin() + int64_t(at + n));
    Tensor h = model.hidden(Tensor::from_ints(chunk, {1, int64_t(n)}), fo);  // (1, n, C)
    if (all_logits) parts.push_back(model.lm_head(h).reshape({int64_t(n), model.config().vocab_size}));
    else if (at + n == ids.size()) last = model.lm_head(h.slice(1, int64_t(n) - 1, int64_t(n)));  // (1, 1, V)
    at += n;
  }
  if (all_logits) {
    *all_logits = parts.size() == 1 ? parts[0].contiguous() : concat(parts, 0);
    return all_logits->slice(0, all_logits->size(0) - 1, all_logits->size(0)).reshape({model.config().vocab_size});
  }
  return last.reshape({model.config().vocab_size});
}

Tensor decode(Transformer& model, std::span<const TokenId> ids, const std::vector<KVCache*>& caches) {
  autograd::NoGradGuard ng;
  const int64_t B = int64_t(ids.size());
  LMF_CHECK_SHAPE(B == int64_t(caches.size()) && B >= 1 && B <= decode_max_rows(), "decode",
                  std::to_string(B) + " ids for " + std::to_string(caches.size()) + " caches (at most " +
                      std::to_string(decode_max_rows()) + " rows)");
  ForwardOptions fo;
  fo.rows = caches;
  Tensor logits = model.forward(Tensor::from_ints(std::vector<int32_t>(ids.begin(), ids.end()), {B, 1}), fo);
  return logits.reshape({B, model.config().vocab_size});
}

int64_t reusable_prefix(std::span<const TokenId> cached, int64_t prefilled, std::span<const TokenId> prompt,
                        const KVCache& cache) {
  if (cache.reserved > 0) return 0;
  int64_t n = 0;
  const int64_t limit = std::min({int64_t(cached.size()), prefilled, int64_t(prompt.size()) - 1, cache.len});
  while (n < limit && cached[size_t(n)] == prompt[size_t(n)]) ++n;
  return n / kPrefillChunk * kPrefillChunk;
}

}  // namespace lmf
