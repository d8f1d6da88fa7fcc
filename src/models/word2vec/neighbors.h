// Nearest neighbours and analogies over word vectors by cosine similarity (word2vec.c's
// distance and word-analogy): every vector is normalised to unit length; the query is a
// word's vector, or for an analogy a : b :: c : ? the sum b - a + c of the normalised
// vectors (normalised again); the answer is the k vocabulary words of highest cosine with
// the query, the query words themselves left out, best first (ties by vocabulary order).
#pragma once
#include <string>
#include <vector>

#include "models/word2vec/vectors.h"

namespace lmf::word2vec {

struct Neighbor {
  std::string word;
  float similarity;
};

class NeighborIndex {
 public:
  explicit NeighborIndex(Vectors v);  // takes the vectors and normalises them
  const Vectors& vectors() const { return v_; }

  // Error naming a word that is not in the vocabulary.
  std::vector<Neighbor> nearest(const std::string& word, int k) const;
  std::vector<Neighbor> analogy(const std::string& a, const std::string& b, const std::string& c, int k) const;
  // The k best words for a query vector (D,), leaving out rows in `skip`.
  std::vector<Neighbor> search(const float* query, int k, const std::vector<int32_t>& skip) const;

 private:
  int32_t require(const std::string& w) const;
  Vectors v_;
};

}  // namespace lmf::word2vec
