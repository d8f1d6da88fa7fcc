#include "eval/generate_until.h"

#include <algorithm>
#include <set>

#include "core/error.h"
#include "infer/generate.h"

namespace lmf::eval {

std::string decode_skip_special(const tok::Tokenizer& tk, const std::vector<TokenId>& ids) {
  std::set<TokenId> special;
  for (const auto& s : tk.special_tokens())
    if (s.special) special.insert(TokenId(s.id));
  std::vector<TokenId> kept;
  for (TokenId id : ids)
    if (!special.count(id)) kept.push_back(id);
  return tk.decode(kept);
}

std::string cut_at_stops(std::string s, const std::vector<std::string>& until) {
  for (const std::string& term : until)
    if (!term.empty())
      if (size_t at = s.find(term); at != std::string::npos) s.resize(at);
  return s;
}

std::string generate_until(Transformer& model, const tok::Tokenizer& tk, std::vector<TokenId> prompt,
                           const std::vector<std::string>& until, int64_t max_gen_toks, const std::vector<TokenId>& stop_ids) {
  const int64_t L = model.config().n_positions - model.reserved_positions();
  const int64_t keep = L - max_gen_toks;
  if (keep < 1)
    throw Error("generate_until: max_gen_toks " + std::to_string(max_gen_toks) + " leaves no room for a prompt in the model's context of " +
                std::to_string(L) + " tokens");
  if (prompt.empty()) throw Error("generate_until: an empty prompt (doc_to_text renders nothing)");
  if (int64_t(prompt.size()) > keep) prompt.erase(prompt.begin(), prompt.end() - keep);
  GenerateOptions opt;
  opt.max_new_tokens = int(max_gen_toks);
  opt.sampling.temperature = 0.0f;
  opt.eos_id = tk.eot_id();
  std::vector<TokenId> out;
  generate(model, prompt, opt, [&](int32_t id) {
    out.push_back(id);
    if (std::find(stop_ids.begin(), stop_ids.end(), id) != stop_ids.end()) return false;
    const std::string text = decode_skip_special(tk, out);
    for (const std::string& term : until)
      if (!term.empty() && text.find(term) != std::string::npos) return false;
    return true;
  });
  return cut_at_stops(decode_skip_special(tk, out), until);
}

}  // namespace lmf::eval
