// Character-class pre-tokenizers (see word_splitter.h).
#include "tokenizer/word_splitter.h"

#include "core/error.h"
#include "core/utf8.h"
#include "tokenizer/char_class.h"

namespace lmf::tok {
namespace {

using Span = std::pair<uint32_t, uint32_t>;

// Splits text[b, e) by one step, appending words to out.
void split_one(WordSplitter::Step step, std::string_view text, uint32_t b, uint32_t e, std::vector<Span>& out) {
  // Character classes: 0 whitespace (dropped), 1 word run, 2 isolated character, 3 other run.
  auto classify = [step](uint32_t cp) -> int {
    switch (step) {
      case WordSplitter::Step::kBert:
        return chars::is_whitespace(cp) ? 0 : chars::is_bert_punctuation(cp) ? 2 : 1;
      case WordSplitter::Step::kWhitespaceSplit:
        return chars::is_whitespace(cp) ? 0 : 1;
      case WordSplitter::Step::kWhitespace:
        return chars::is_word(cp) ? 1 : chars::is_whitespace(cp) ? 0 : 3;
      case WordSplitter::Step::kPunctuation:
        return chars::is_bert_punctuation(cp) ? 2 : 1;
    }
    return 1;
  };
  uint32_t start = b;
  int run = -1;  // class of the current run, -1 when none
  for (uint32_t i = b; i < e;) {
    uint32_t cp = 0;
    size_t n = utf8_decode(text, i, &cp);
    if (n == 0) throw Error("pre-tokenizer: invalid UTF-8 at byte " + std::to_string(i));
    int c = classify(cp);
    if (c != run || c == 2) {
      if (run > 0 && i > start) out.emplace_back(start, i);
      start = i;
      run = c;
    }
    i += uint32_t(n);
  }
  if (run > 0 && e > start) out.emplace_back(start, e);
}

}  // namespace

void WordSplitter::split(std::string_view text, std::vector<Span>& out) const {
  if (text.empty()) return;
  if (steps_.empty()) {
    out.emplace_back(0, uint32_t(text.size()));
    return;
  }
  std::vector<Span> cur{{0, uint32_t(text.size())}}, next;
  for (size_t k = 0; k < steps_.size(); ++k) {
    next.clear();
    for (auto [b, e] : cur) split_one(steps_[k], text, b, e, next);
    cur.swap(next);
  }
  out.insert(out.end(), cur.begin(), cur.end());
}

}  // namespace lmf::tok
