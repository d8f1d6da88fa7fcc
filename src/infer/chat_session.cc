#include "infer/chat_session.h"

#include "infer/chat_template.h"
#include "infer/text_stream.h"

namespace lmf {

ChatSession::ChatSession(Transformer& model, const tok::Tokenizer& tk, ChatOptions opt)
    : model_(model), tk_(tk), opt_(std::move(opt)), cache_(model.make_cache(1, model.config().n_positions)) {
  if (!opt_.generate.eos_id)
    if (auto e = tk_.eot_id()) opt_.generate.eos_id = int32_t(*e);
}

void ChatSession::reset() {
  cache_.clear();
  history_.clear();
}

std::vector<int32_t> ChatSession::turn_prompt(const std::string& user, bool first) const {
  std::vector<int32_t> p;
  auto encode = [&](const std::string& s) { tk_.encode_append(s, false, p); };
  if (opt_.chatml) {
    Conversation turn;
    if (first && !opt_.system.empty()) turn.push_back({"system", opt_.system});
    turn.push_back({"user", user});
    if (!first) encode("\n");
    const std::vector<int32_t> rest = ChatTemplate(tk_).prompt(turn);
    p.insert(p.end(), rest.begin(), rest.end());
  } else {
    const std::string before = first ? (opt_.system.empty() ? "" : opt_.system + "\n") : "\n";
    encode(before + "User: " + user + "\nAssistant:");
  }
  return p;
}

ChatReply ChatSession::say(const std::string& user, const std::function<void(const std::string&)>& on_text) {
  std::vector<int32_t> prompt = turn_prompt(user, cache_.len == 0);
  const int64_t used = cache_.len == 0 ? model_.reserved_positions() : cache_.len;  // prompt / prefix tuning entries
  if (used + int64_t(prompt.size()) + 2 >= cache_.max_len) {  // context full: start over, keep the system text
    if (opt_.on_restart) opt_.on_restart(cache_.max_len);
    reset();
    prompt = turn_prompt(user, true);
  }
  ChatReply r;
  r.prompt_tokens = int64_t(prompt.size());
  TextStream stream(tk_, {opt_.chatml ? std::string(kEndOfTurn) : std::string("\nUser:")});
  bool ended = false;
  auto emit = [&](const std::string& s) {
    if (s.empty()) return;
    r.text += s;
    if (on_text) on_text(s);
  };
  auto on_token = [&](int32_t id) {
    ++r.completion_tokens;
    if (opt_.generate.eos_id && id == *opt_.generate.eos_id) {
      ended = true;
      return false;
    }
    emit(stream.push(id));
    return !stream.stopped();
  };
  generate(model_, prompt, opt_.generate, on_token, &cache_, &history_);
  emit(stream.finish());
  r.finish_reason = ended || stream.stopped() ? "stop" : "length";
  return r;
}

}  // namespace lmf
