// The BM25 analyzer: text -> index terms. Case is folded with Unicode full case folding
// (utf8proc's CASEFOLD, as Python's str.casefold), then the folded text is split on every
// code point that is not a letter (general category L*) or a number (N*); each maximal run
// of letters and numbers is one term. No stemming, no stop words. Invalid UTF-8 is an
// lmf::Error naming the byte offset.
//
//   TermScanner s(text);                 // the fast path: no allocation per term
//   for (std::string_view t; s.next(&t);) use(t);   // t is valid until the next call
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lmf::augment {

class TermScanner {
 public:
  explicit TermScanner(std::string_view text) : text_(text) {}
  bool next(std::string_view* term);

 private:
  std::string_view text_;
  size_t pos_ = 0;
  std::string term_;
  int32_t folded_[8];  // the case folding of the last non-ASCII character, not yet scanned
  int n_folded_ = 0, next_folded_ = 0;
};

std::vector<std::string> analyze(std::string_view text);

}  // namespace lmf::augment
