#include "infer/text_stream.h"

#include <algorithm>

namespace lmf {

TextStream::TextStream(const tok::Tokenizer& tk, std::vector<std::string> stops)
    : tk_(tk), stops_(stops), stop_(std::move(stops)) {
  for (const tok::SpecialToken& s : tk.special_tokens())
    if (s.special) special_.insert(s.id);
}

std::string TextStream::push(TokenId id) {
  if (stop_.stopped()) return "";
  if (special_.count(id)) {
    const std::string& text = tk_.token_bytes(id);
    if (std::find(stops_.begin(), stops_.end(), text) == stops_.end()) return "";
    // A stop string that is a token of its own: release what precedes it, then stop.
    std::string out = stop_.feed(utf8_.flush());
    out += stop_.flush();
    stop_.feed(text);
    return out;
  }
  return stop_.feed(utf8_.push(tk_.token_bytes(id)));
}

std::string TextStream::finish() {
  if (stop_.stopped()) return "";
  std::string out = stop_.feed(utf8_.flush());
  if (!stop_.stopped()) out += stop_.flush();
  return out;
}

}  // namespace lmf
