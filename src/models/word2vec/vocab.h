// word2vec vocabulary, corpus and subsampling, with word2vec.c's conventions: words are runs
// of bytes between ASCII whitespace; each newline is the end-of-sentence token "</s>"
// (index 0, always kept, never a training word); words seen fewer than min_count times are
// dropped; the rest are sorted by count, most frequent first (ties in order of first
// appearance). The corpus is held in memory as word indices.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lmf::word2vec {

inline constexpr const char* kEndOfSentence = "</s>";

struct Vocab {
  std::vector<std::string> words;  // (V,) index 0 is "</s>"
  std::vector<int64_t> counts;     // (V,) occurrences in the corpus
  std::unordered_map<std::string, int32_t> index;
  int64_t train_words = 0;  // sum of counts: the words one epoch reads

  int32_t size() const { return (int32_t)words.size(); }
  // The word's index, or -1 when it is not in the vocabulary.
  int32_t find(std::string_view w) const;
};

struct Corpus {
  Vocab vocab;
  std::vector<int32_t> ids;  // every in-vocabulary word of the file in order, 0 at each newline
};

// Reads a whitespace-separated text file (FormatError naming the path when it cannot be
// read or holds no word seen min_count times).
Corpus read_corpus(const std::string& path, int64_t min_count);
// The same from text in memory (`name` is used in error messages).
Corpus corpus_from_text(std::string_view text, int64_t min_count, const std::string& name);

// Subsampling of frequent words (Mikolov et al. 2013, as word2vec.c computes it): a word of
// count c is kept with probability min(1, sqrt(t/f) + t/f) where f = c / train_words and
// t = sample; sample 0 keeps every word. Returns (V,) probabilities.
std::vector<float> keep_probabilities(const Vocab& v, double sample);

// The negative-sampling table: `size` entries, word i filling a share proportional to
// count_i^0.75 (word2vec.c's unigram table).
std::vector<int32_t> unigram_table(const Vocab& v, int64_t size, double power = 0.75);

}  // namespace lmf::word2vec
