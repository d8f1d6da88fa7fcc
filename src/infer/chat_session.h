// ChatSession: a multi-turn conversation with a model, its KV cache kept across turns so
// each turn runs only its new tokens — what `lmforge chat` drives and a server can hold per
// conversation.
//
// Two prompt forms:
//   ChatML (chatml = true; the model or adapter was tuned with the chat template,
//           infer/chat_template.h): the system message opens the conversation, each user
//           turn is the template's messages plus the generation prompt, a later turn
//           follows the previous "<|im_end|>" after a "\n"; the reply stops at <|im_end|>.
//   plain   the system text (if any) and "\n" before the first turn, each turn
//           "User: <text>\nAssistant:"; the reply stops where the model starts "\nUser:".
// A reply also stops at the tokenizer's end-of-text token and at max_new_tokens. When the
// next turn would not fit in the model's context, the conversation starts over (keeping the
// system text) and on_restart is called first.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "infer/generate.h"
#include "models/kv_cache.h"
#include "models/transformer.h"
#include "tokenizer/tokenizer.h"

namespace lmf {

struct ChatOptions {
  std::string system;        // system message (ChatML) or text before the conversation (plain)
  bool chatml = false;
  GenerateOptions generate;  // eos_id: the tokenizer's end-of-text token when unset
  std::function<void(int64_t context)> on_restart;  // the context (tokens) was full
};

struct ChatReply {
  std::string text;                  // what the reader sees (infer/text_stream.h)
  std::string finish_reason;         // "stop" (stop string or end of text) or "length"
  int64_t prompt_tokens = 0, completion_tokens = 0;
};

class ChatSession {
 public:
  ChatSession(Transformer& model, const tok::Tokenizer& tk, ChatOptions opt);
  // One user turn: generates the reply, handing its text to on_text piece by piece as it
  // is decided (valid UTF-8), and returns it whole.
  ChatReply say(const std::string& user, const std::function<void(const std::string&)>& on_text = nullptr);
  // Forgets the conversation (the system text stays).
  void reset();
  int64_t context() const { return cache_.max_len; }

 private:
  std::vector<int32_t> turn_prompt(const std::string& user, bool first) const;

  Transformer& model_;
  const tok::Tokenizer& tk_;
  ChatOptions opt_;
  KVCache cache_;
  std::vector<int32_t> history_;
};

}  // namespace lmf
