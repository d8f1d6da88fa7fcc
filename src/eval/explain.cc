#include "eval/explain.h"

#include <algorithm>
#include <string>

#include "core/error.h"
#include "eval/attention_rollout.h"
#include "eval/attribution.h"
#include "tokenizer/byte_level.h"

namespace lmf::eval {
namespace {

TokenName name_of(const tok::Tokenizer& tk, int32_t id) {
  if (!tk.is_valid_id(id)) return {"<id " + std::to_string(id) + ">", ""};  // a model row the tokenizer lacks
  const int32_t one[1] = {id};
  return {tok::byte_level_encode(tk.token_bytes(id)), tk.decode(one)};
}

}  // namespace

int32_t resolve_target(const tok::Tokenizer& tk, const std::string& target) {
  if (target.empty()) throw Error("--target: the target token is empty");
  std::string bytes;
  if (tok::byte_level_decode(target, bytes))
    if (std::optional<int32_t> id = tk.token_id(bytes)) return *id;
  if (std::optional<int32_t> id = tk.token_id(target)) return *id;
  const std::vector<int32_t> ids = tk.encode(target);
  if (ids.size() == 1) return ids[0];
  throw Error("--target '" + target + "' is not a token of the tokenizer: not a vocabulary string, and its text " +
              "encodes to " + std::to_string(ids.size()) + " tokens, not 1");
}

Explanation explain(Transformer& model, const tok::Tokenizer& tk, const ExplainOptions& o) {
  const ModelConfig& cfg = model.config();
  if (o.prompt.empty()) throw Error("--prompt: the prompt is empty");
  if (o.top_k < 1) throw Error("--top: must be at least 1, got " + std::to_string(o.top_k));
  if (model.reserved_positions() > 0)
    throw Error("explain: adapters that add positions (prompt or prefix tuning) are not supported");
  Explanation e;
  e.prompt = o.prompt;
  e.ids = tk.encode(o.prompt);
  if (e.ids.empty()) throw Error("--prompt: the prompt encodes to no tokens");
  if (int64_t(e.ids.size()) > cfg.n_positions)
    throw Error("--prompt: the prompt is " + std::to_string(e.ids.size()) + " tokens, longer than the model's context of " +
                std::to_string(cfg.n_positions));
  for (int32_t id : e.ids)
    if (id >= cfg.vocab_size)
      throw Error("--prompt: token id " + std::to_string(id) + " is outside the model's vocabulary of " +
                  std::to_string(cfg.vocab_size) + " (a tokenizer that does not fit the model?)");
  std::optional<int32_t> target;
  if (!o.target.empty()) {
    target = resolve_target(tk, o.target);
    if (*target >= cfg.vocab_size)
      throw Error("--target '" + o.target + "' is token " + std::to_string(*target) +
                  ", outside the model's vocabulary of " + std::to_string(cfg.vocab_size));
  }
  e.target_given = target.has_value();
  e.model_type = cfg.model_type();
  e.n_layer = cfg.n_layer;
  e.n_head = cfg.n_head;

  ForwardTrace trace;
  const InputGradients g = input_gradients(model, e.ids, target, &trace);
  e.target = g.target;
  e.target_logprob = g.score;
  e.predicted = int32_t(std::max_element(g.last_logits.begin(), g.last_logits.end()) - g.last_logits.begin());
  e.grad_x_input = g.x_input;
  e.grad_norm = g.norm;

  std::vector<Tensor> probs;
  for (size_t l = 0; l < trace.queries.size(); ++l)
    probs.push_back(attention_probabilities(trace.queries[l], trace.keys[l]));
  e.rollout = attention_rollout(probs, int64_t(e.ids.size()) - 1);
  e.lens = logit_lens(model, trace, o.top_k, e.target);

  for (int32_t id : e.ids) e.names.emplace(id, name_of(tk, id));
  e.names.emplace(e.target, name_of(tk, e.target));
  e.names.emplace(e.predicted, name_of(tk, e.predicted));
  for (const LensLayer& L : e.lens)
    for (const LensToken& t : L.top) e.names.emplace(t.id, name_of(tk, t.id));
  return e;
}

}  // namespace lmf::eval
