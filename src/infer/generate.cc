#include "infer/generate.h"

#include <algorithm>

#include "core/autograd.h"

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
  ForwardOptions fo;
  fo.cache = cache;
  for (int i = 0; i < opt.max_new_tokens &&
                  (cache->len == 0 ? reserved : cache->len) + int64_t(step_ids.size()) <= cache->max_len;
       ++i) {
    Tensor ids = Tensor::from_ints(step_ids, {1, int64_t(step_ids.size())});
    Tensor h = model.hidden(ids, fo);                                   // (1, T, C)
    Tensor last = h.slice(1, h.size(1) - 1, h.size(1));                 // (1, 1, C)
    Tensor logits = model.lm_head(last).contiguous();                   // (1, 1, V)
    int32_t next = sampler.sample(logits.f32(), cfg.vocab_size, *history);
    out.push_back(next);
    history->push_back(next);
    bool go_on = on_token ? on_token(next) : true;
    if (!go_on || (opt.eos_id && next == *opt.eos_id)) break;
    step_ids.assign(1, next);
  }
  return out;
}

}  // namespace lmf
