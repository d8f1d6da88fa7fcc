// N-gram counts for Kneser-Ney estimation.
//
// Sentences are counted as <s> w1 .. wn </s>. For each order n (1..order) every n-gram
// that ends at a predicted position (w1 .. </s>; <s> is never predicted) is counted:
// raw[n-1] holds c(g), the number of occurrences.
//
// adjusted[n-1] holds the counts Kneser-Ney estimates order n from (Chen & Goodman 1998,
// section 3.5): the highest order keeps raw counts; a lower-order n-gram g keeps its
// continuation count N1+(. g), the number of distinct words seen right before g -- except
// an n-gram that starts with <s>, which nothing can precede, keeps its raw count.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "models/ngram/ngram_model.h"

namespace lmf::ngram {

struct CountTable {
  std::vector<Key> keys;  // sorted, distinct
  std::vector<uint64_t> counts;
};

struct NgramCounts {
  int order = 0;
  std::vector<CountTable> raw, adjusted;  // [n - 1]: order n
};

class NgramCounter {
 public:
  explicit NgramCounter(int order);  // 1 .. kMaxOrder
  // One sentence's words, without boundary symbols.
  void add_sentence(std::span<const WordId> words);
  // Sorts and counts what was added; the counter is empty afterwards.
  NgramCounts finish();

 private:
  int order_;
  std::vector<std::vector<Key>> windows_;  // [n - 1]: every n-gram occurrence
  std::vector<WordId> padded_;
};

}  // namespace lmf::ngram
