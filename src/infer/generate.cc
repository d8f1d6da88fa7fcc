#include "infer/generate.h"

#include <algorithm>

#include "core/autograd.h"
#include "infer/decode_steps.h"

namespace lmf {

std::vector<int32_t> generate(Transformer& model, const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                              const std::function<bool(int32_t)>& on_token, KVCache* cache,
                              std::vector<int32_t>* history) {
  autograd::NoGradGuard ng;
  const ModelConfig& cfg = model.config();
  KVCache local;
  std::vector<int32_t> local_hist;
  // An empty cache first takes the entries of prompt or prefix tuning.
  const int64_t reserved = model.reserved_positions();
  if (!cache) {
    local = model.make_cache(
        1, std::min<int64_t>(cfg.n_positions, reserved + int64_t(prompt.size()) + std::max(opt.max_new_tokens, 1)));
    cache = &local;
  }
  if (!history) history = &local_hist;
  LMF_CHECK_SHAPE(!prompt.empty() || cache->len > 0, "generate", "empty prompt");
  const int64_t used = cache->len == 0 ? reserved : cache->len;
  LMF_CHECK_SHAPE(used + int64_t(prompt.size()) < cache->max_len, "generate",
              "prompt of " + std::to_string(prompt.size()) + " tokens does not fit the context of " +
                  std::to_string(cache->max_len) + " (" + std::to_string(used) + " already used)");
  Sampler sampler(opt.sampling);
  std::vector<int32_t> out;
  history->insert(history->end(), prompt.begin(), prompt.end());
  LMF_CHECK_SHAPE(int64_t(history->size()) > cache->tokens(), "generate", "history is shorter than the cache");
  // Everything seen but not yet in the cache: the last token of the previous call, if any, and the prompt.
  std::vector<int32_t> step_ids(history->begin() + cache->tokens(), history->end());
  // Prefill what is not cached yet, then one token a step (infer/decode_steps.h).
  Tensor logits = prefill(model, step_ids, *cache);  // (V)
  for (int i = 0; i < opt.max_new_tokens; ++i) {
    int32_t next = sampler.sample(logits.contiguous().f32(), cfg.vocab_size, *history);
    out.push_back(next);
    history->push_back(next);
    bool go_on = on_token ? on_token(next) : true;
    if (!go_on || (opt.eos_id && next == *opt.eos_id) || i + 1 == opt.max_new_tokens) break;
    if (cache->len + 1 > cache->max_len || (cfg.arch == Arch::GPT2 && cache->len + 1 > cfg.n_positions)) break;
    const TokenId id = next;
    logits = decode(model, std::span<const TokenId>(&id, 1), {cache}).reshape({cfg.vocab_size});
  }
  return out;
}

}  // namespace lmf
