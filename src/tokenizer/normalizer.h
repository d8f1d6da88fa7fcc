// Normalizer: the text normalizers of Hugging Face tokenizer.json files, applied in order.
//
//   BertNormalizer = [BertCleanText?] [BertChineseChars?] [Nfd, StripNonspacing]? [Lowercase?]
//   (strip_accents null follows lowercase: BERT removes Mn marks only), and the standalone
//   steps Lowercase, NFD, NFKD, NFC, NFKC, StripAccents (removes every mark, Mn Mc Me, as
//   HF's does; files put it after NFD) and Strip.
//
// Contract: apply(text) equals HF's NormalizedString after the same normalizers, for valid
// UTF-8 text (callers repair invalid UTF-8 first). Character-wise like HF: lowercasing is
// Rust's char::to_lowercase (full mapping, no final-sigma rule), normal forms are utf8proc's.
// Immutable after building; safe to share between threads.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lmf::tok {

class Normalizer {
 public:
  enum class Step {
    kCleanText,     // drop NUL, U+FFFD, Cc/Cf/Co (not \t\n\r); White_Space -> ' '
    kChineseChars,  // ' ' around each CJK ideograph
    kNfd,
    kNfkd,
    kNfc,
    kNfkc,
    kStripNonspacing,  // drop Mn
    kStripMarks,       // drop Mn, Mc, Me
    kLowercase,
    kStripLeft,     // drop leading White_Space
    kStripRight,    // drop trailing White_Space
  };

  void add(Step s) { steps_.push_back(s); }
  // BertNormalizer's steps for its four options.
  void add_bert(bool clean_text, bool chinese_chars, bool strip_accents, bool lowercase);
  bool empty() const { return steps_.empty(); }
  const std::vector<Step>& steps() const { return steps_; }

  std::string apply(std::string_view text) const;

 private:
  std::vector<Step> steps_;
};

}  // namespace lmf::tok
