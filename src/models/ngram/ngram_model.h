// NgramModel: a back-off n-gram language model as an ARPA file holds it, in memory.
//
// For each order n (1..order) a table of n-grams sorted by their word ids, each with
// log10 p(w | h) and, for orders below the highest, the log10 back-off weight of the
// n-gram as a context (0 when it is none). The probability of w after a context is the
// ARPA back-off rule: the longest n-gram (context suffix, w) in the tables gives its
// probability, plus the back-off weights of the longer context suffixes that are tables'
// entries but were not followed by w. An interpolated model (Kneser-Ney here) written this
// way gives exactly its interpolated probabilities.
#pragma once
#include <array>
#include <cstdint>
#include <span>
#include <vector>

#include "models/ngram/vocabulary.h"

namespace lmf::ngram {

inline constexpr int kMaxOrder = 5;

// An n-gram's word ids, oldest first; slots from n on are 0.
using Key = std::array<WordId, kMaxOrder>;
Key make_key(std::span<const WordId> words);

// All n-grams of one order, sorted by key.
struct NgramTable {
  std::vector<Key> keys;
  std::vector<double> log10_prob;
  std::vector<double> log10_backoff;  // 0: not a context, or weight 1

  size_t size() const { return keys.size(); }
  // Index of `k`, or -1.
  int64_t find(const Key& k) const;
  // Sorts the three arrays together by key.
  void sort();
};

class NgramModel {
 public:
  Vocabulary vocab;
  std::vector<NgramTable> tables;  // tables[n - 1]: the n-grams

  int order() const { return int(tables.size()); }
  // log10 p(w | context): context holds the preceding words oldest first (<s> may open it;
  // only the last order()-1 are used). `matched` (if given) receives the order of the
  // n-gram that gave the probability. -infinity when w has no unigram (a word outside
  // the model's vocabulary in a model without <unk>).
  double log10_prob(std::span<const WordId> context, WordId w, int* matched = nullptr) const;
  // Whether the model can score w (it has a unigram for it).
  bool has_unigram(WordId w) const;
};

}  // namespace lmf::ngram
