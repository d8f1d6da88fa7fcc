#include "augment/rank_fusion.h"

#include <algorithm>
#include <unordered_map>

namespace lmf::augment {

std::vector<FusedHit> reciprocal_rank_fusion(const std::vector<std::vector<uint32_t>>& rankings, int k) {
  std::unordered_map<uint32_t, double> score;
  for (const std::vector<uint32_t>& ranking : rankings)
    for (size_t i = 0; i < ranking.size(); ++i) score[ranking[i]] += 1.0 / (kRrfConstant + double(i + 1));
  std::vector<FusedHit> hits;
  hits.reserve(score.size());
  for (const auto& [row, s] : score) hits.push_back({row, s});
  std::sort(hits.begin(), hits.end(), [](const FusedHit& a, const FusedHit& b) { return a.score > b.score || (a.score == b.score && a.row < b.row); });
  if (hits.size() > size_t(std::max(k, 0))) hits.resize(size_t(std::max(k, 0)));
  return hits;
}

}  // namespace lmf::augment
