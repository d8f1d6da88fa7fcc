#include "augment/analyzer.h"

#include <utf8proc.h>

#include "core/error.h"
#include "core/utf8.h"

namespace lmf::augment {
namespace {

bool is_term_char(int32_t cp) {
  const utf8proc_category_t c = utf8proc_category(cp);
  return (c >= UTF8PROC_CATEGORY_LU && c <= UTF8PROC_CATEGORY_LO) ||
         (c >= UTF8PROC_CATEGORY_ND && c <= UTF8PROC_CATEGORY_NO);
}

}  // namespace

bool TermScanner::next(std::string_view* term) {
  term_.clear();
  for (;;) {
    int32_t cp;
    if (next_folded_ < n_folded_) {
      cp = folded_[next_folded_++];
    } else if (pos_ == text_.size()) {
      break;
    } else if (const unsigned char c = text_[pos_]; c < 0x80) {  // ASCII: fold and classify inline
      ++pos_;
      if ((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9')) {
        term_.push_back(char(c));
      } else if (c >= 'A' && c <= 'Z') {
        term_.push_back(char(c + ('a' - 'A')));
      } else if (!term_.empty()) {
        break;
      }
      continue;
    } else {
      // Fold first, then classify what the folding produced: a folded character can
      // expand into several (U+0130 -> "i" + U+0307, a combining mark that ends the term).
      uint32_t decoded = 0;
      const size_t len = utf8_decode(text_, pos_, &decoded);
      if (len == 0) throw Error("invalid UTF-8 at byte " + std::to_string(pos_));
      int boundclass = 0;
      const utf8proc_ssize_t n = utf8proc_decompose_char(utf8proc_int32_t(decoded), folded_, 8,
                                                         UTF8PROC_CASEFOLD, &boundclass);
      if (n < 0 || n > 8) throw Error("analyzer: cannot fold the character at byte " + std::to_string(pos_));
      n_folded_ = int(n);
      next_folded_ = 0;
      pos_ += len;
      continue;
    }
    if (is_term_char(cp)) {
      utf8_append(term_, uint32_t(cp));
    } else if (!term_.empty()) {
      break;
    }
  }
  *term = term_;
  return !term_.empty();
}

std::vector<std::string> analyze(std::string_view text) {
  std::vector<std::string> terms;
  TermScanner scanner(text);
  for (std::string_view t; scanner.next(&t);) terms.emplace_back(t);
  return terms;
}

}  // namespace lmf::augment
