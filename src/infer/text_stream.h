// TextStream: generated token ids to the text a reader sees, as they arrive — what
// `generate`, `chat` and a streaming server print. It promises:
//   - only complete, valid UTF-8 characters (infer/utf8_stream.h);
//   - special tokens (the tokenizer's special_tokens(), e.g. <|endoftext|>, <|im_start|>)
//     are not shown as text; a special token whose text is a stop string stops;
//   - stop strings are matched over the text (infer/stop_matcher.h): text that may begin
//     one is held back until decided, and nothing from the stop string on is shown.
#pragma once
#include <cstdint>
#include <string>
#include <unordered_set>
#include <vector>

#include "infer/stop_matcher.h"
#include "infer/utf8_stream.h"
#include "tokenizer/tokenizer.h"

namespace lmf {

class TextStream {
 public:
  TextStream(const tok::Tokenizer& tk, std::vector<std::string> stops);
  // The text that token `id` releases (often empty).
  std::string push(TokenId id);
  // At the end of generation: the text still held back (empty after a stop).
  std::string finish();
  bool stopped() const { return stop_.stopped(); }

 private:
  const tok::Tokenizer& tk_;
  std::vector<std::string> stops_;
  std::unordered_set<TokenId> special_;
  Utf8Stream utf8_;
  StopMatcher stop_;
};

}  // namespace lmf
