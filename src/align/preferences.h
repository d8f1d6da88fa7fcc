// Preference data for alignment (reward model, DPO, PPO prompts).
//
// JSONL, one pair a line, in either form (TRL's two dataset forms):
//   plain  {"prompt": "...", "chosen": "...", "rejected": "..."}
//   chat   {"prompt": [{"role": "user", "content": "..."}, ...],
//           "chosen": [{"role": "assistant", "content": "..."}],
//           "rejected": [{"role": "assistant", "content": "..."}]}
// Other fields are ignored. A prompts file (PPO) uses the same lines without chosen/rejected.
//
// Encoding (what every alignment command scores):
//   plain  prompt ids = tk.encode(prompt), response ids = tk.encode(response), both as
//          `lmforge tokenize` does (no special tokens); the sequence is prompt ++ response.
//   chat   prompt ids = the ChatML rendering of the prompt messages followed by the
//          generation prompt (infer/chat_template.h); response ids = the content's ids
//          followed by the end-of-turn marker's, exactly the tokens SFT trains on.
// Only response tokens are scored (the sum of their log-probabilities, as in the DPO paper).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "infer/chat_template.h"
#include "tokenizer/tokenizer.h"

namespace lmf::align {

struct PreferencePair {
  bool chat = false;
  std::string prompt;                   // plain form
  Conversation prompt_messages;     // chat form
  std::string chosen, rejected;         // response texts (chat form: the assistant contents)
};

// One line; `where` ("FILE:LINE") names it in FormatErrors, with the missing or bad field.
// `need_responses` false accepts a prompt-only line (chosen/rejected then empty).
PreferencePair parse_preference(const std::string& json_line, const std::string& where, bool need_responses = true);
// Every non-blank line of FILE; FormatError naming FILE:LINE on a bad one, or when none.
std::vector<PreferencePair> read_preferences_jsonl(const std::string& path, bool need_responses = true);

// Token ids of a prompt and of responses to it, encoded as described above.
struct EncodedPair {
  std::vector<int32_t> prompt, chosen, rejected;
};

class PreferenceEncoder {
 public:
  explicit PreferenceEncoder(const tok::Tokenizer& tk) : tk_(tk), tmpl_(tk) {}
  std::vector<int32_t> prompt(const PreferencePair& p) const;
  std::vector<int32_t> response(const PreferencePair& p, const std::string& text) const;
  EncodedPair encode(const PreferencePair& p) const;
  // The text of response ids (chat form: without a trailing end-of-turn marker).
  std::string decode_response(const PreferencePair& p, const std::vector<int32_t>& ids) const;
  // The ids that end a response in generation (chat form: the end-of-turn marker; plain: none).
  std::vector<int32_t> stop_ids(const PreferencePair& p) const;

 private:
  const tok::Tokenizer& tk_;
  ChatTemplate tmpl_;
};

}  // namespace lmf::align
