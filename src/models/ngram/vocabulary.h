// Vocabulary of an n-gram language model: words (whitespace-free strings; for a model over
// token shards, the decimal token ids) and their dense ids.
//
// Three symbols are reserved and always present with fixed ids: <unk> (0, every word
// outside the vocabulary), <s> (1, the start of a sentence: a context, never predicted)
// and </s> (2, the end of a sentence, predicted like a word). Other words get the next
// free id in the order they are added. A vocabulary read from an ARPA file keeps the
// file's unigram order after the reserved symbols.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lmf::ngram {

using WordId = uint32_t;

inline constexpr WordId kUnk = 0;
inline constexpr WordId kBos = 1;
inline constexpr WordId kEos = 2;
inline constexpr const char* kUnkWord = "<unk>";
inline constexpr const char* kBosWord = "<s>";
inline constexpr const char* kEosWord = "</s>";

class Vocabulary {
 public:
  Vocabulary();  // the three reserved symbols only

  // The id of `word`, adding it when it is new.
  WordId add(std::string_view word);
  // The id of `word`, or kUnk when it is not in the vocabulary.
  WordId find(std::string_view word) const;
  bool contains(std::string_view word) const;
  const std::string& word(WordId id) const { return words_[id]; }
  size_t size() const { return words_.size(); }  // reserved symbols included

 private:
  std::vector<std::string> words_;
  std::unordered_map<std::string, WordId> ids_;
};

}  // namespace lmf::ngram
