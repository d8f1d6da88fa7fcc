// WordSplitter: the character-class pre-tokenizers of Hugging Face tokenizer.json files,
// which split normalized text into the words a WordPiece model encodes one by one.
//
//   kBert             BertPreTokenizer: split on White_Space (dropped), then every BERT
//                     punctuation character is a word of its own
//   kWhitespaceSplit  split on White_Space (dropped)
//   kWhitespace       the words of the regex \w+|[^\w\s]+ (the rest dropped)
//   kPunctuation      every punctuation character a word of its own (behavior Isolated)
//
// Steps apply in order, each to the words of the previous (HF's Sequence). With no step the
// whole text is one word. Text must be valid UTF-8. Immutable; safe to share between threads.
#pragma once
#include <cstdint>
#include <string_view>
#include <utility>
#include <vector>

namespace lmf::tok {

class WordSplitter {
 public:
  enum class Step { kBert, kWhitespaceSplit, kWhitespace, kPunctuation };

  void add(Step s) { steps_.push_back(s); }
  bool empty() const { return steps_.empty(); }

  // Appends the [begin, end) byte offsets of the non-empty words of text to out.
  void split(std::string_view text, std::vector<std::pair<uint32_t, uint32_t>>& out) const;

 private:
  std::vector<Step> steps_;
};

}  // namespace lmf::tok
