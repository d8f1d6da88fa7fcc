// Reciprocal rank fusion (Cormack, Clarke and Büttcher, 2009): an item's fused score is
// the sum over the rankings that hold it of 1 / (kRrfConstant + rank), ranks counted
// from 1. The hybrid retrieval mode fuses the BM25 and the dense rankings this way.
#pragma once
#include <cstdint>
#include <vector>

namespace lmf::augment {

constexpr double kRrfConstant = 60;

struct FusedHit {
  uint32_t row;
  double score;
};

// The k best rows by fused score (descending), ties by row (ascending).
std::vector<FusedHit> reciprocal_rank_fusion(const std::vector<std::vector<uint32_t>>& rankings, int k);

}  // namespace lmf::augment
