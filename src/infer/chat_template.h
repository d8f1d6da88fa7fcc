// The chat template: how a conversation becomes token ids, for training
// (finetune/instruction_data.h), chat sessions and serving alike.
//
// Template: ChatML, each message rendered as
//   "<|im_start|>" role "\n" content "<|im_end|>" "\n"
// and a generation prompt "<|im_start|>assistant\n". It is stored with the tokenizer as
// tokenizer_config.json `chat_template` (the Jinja text Hugging Face uses for ChatML); a
// directory without one uses ChatML, one with another template is an Error.
//
// Encoding: each piece (marker, role line, content) is tokenized on its own and the pieces
// are concatenated, so the boundary between prompt and response is exact and a prompt
// encodes to the same ids in training, `lmforge chat` and `lmforge generate`. The markers
// are matched as special tokens when the tokenizer has them; in content only the tool-call
// tags (tools/tool_call.h: <tool_call>, </tool_call>, <tool_response>, </tool_response>)
// are, and only when the tokenizer has them as special tokens (tools/tool_tokens.h adds
// them); all other content is plain text.
// Loss mask: only the assistant's content and its "<|im_end|>" are trained on.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace lmf {

struct Message {
  std::string role, content;
};
using Conversation = std::vector<Message>;

// Token ids and, for each id, whether it is trained on.
struct EncodedChat {
  std::vector<int32_t> ids;
  std::vector<uint8_t> trained;
};

extern const char* const kChatMlTemplate;  // the Jinja text stored in tokenizer_config.json
extern const char* const kEndOfTurn;       // "<|im_end|>": generation stops when it appears

class ChatTemplate {
 public:
  explicit ChatTemplate(const tok::Tokenizer& tk) : tk_(tk) {}
  // Every message (the assistant's content and end marker trained on).
  EncodedChat encode(const Conversation& c) const;
  // The messages followed by the generation prompt (nothing trained on).
  std::vector<int32_t> prompt(const Conversation& c) const;

 private:
  void append(EncodedChat& e, const std::string& text, bool special, bool trained) const;
  void append_content(EncodedChat& e, const std::string& text, bool trained) const;
  void append_message(EncodedChat& e, const Message& m, bool trained) const;
  const tok::Tokenizer& tk_;
};

// Checks DIR/tokenizer_config.json (if any) names the ChatML template; Error otherwise.
void check_chat_template(const std::string& dir);
// True when DIR/tokenizer_config.json holds the ChatML chat_template (Error for another one).
// For a .gguf file: whether its tokenizer.chat_template is the ChatML template (another
// template is not an error there: the model then gets plain prompts).
bool has_chat_template(const std::string& dir);
// Writes (or updates) DIR/tokenizer_config.json with the ChatML `chat_template`.
void write_chat_template(const std::string& dir);

}  // namespace lmf
