#include "models/word2vec/neighbors.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "models/word2vec/sgns.h"

namespace lmf::word2vec {

namespace {

void normalize(float* x, int64_t d) {
  const float n = std::sqrt(dot(x, x, d));
  if (n > 0)
    for (int64_t i = 0; i < d; ++i) x[i] /= n;
}

}  // namespace

NeighborIndex::NeighborIndex(Vectors v) : v_(std::move(v)) {
  for (size_t i = 0; i < v_.words.size(); ++i) normalize(v_.data.data() + i * v_.dim, v_.dim);
}

int32_t NeighborIndex::require(const std::string& w) const {
  const int32_t i = v_.find(w);
  if (i < 0) throw Error("word2vec: '" + w + "' is not in the vocabulary");
  return i;
}

std::vector<Neighbor> NeighborIndex::search(const float* query, int k, const std::vector<int32_t>& skip) const {
  const int64_t n = (int64_t)v_.words.size();
  std::vector<std::pair<float, int32_t>> scored;
  scored.reserve(n);
  for (int64_t i = 0; i < n; ++i) {
    if (std::find(skip.begin(), skip.end(), (int32_t)i) != skip.end()) continue;
    scored.emplace_back(dot(query, v_.row(i), v_.dim), (int32_t)i);
  }
  const size_t kk = std::min<size_t>(std::max(k, 0), scored.size());
  std::partial_sort(scored.begin(), scored.begin() + kk, scored.end(), [](const auto& a, const auto& b) {
    return a.first != b.first ? a.first > b.first : a.second < b.second;
  });
  std::vector<Neighbor> out;
  for (size_t i = 0; i < kk; ++i) out.push_back({v_.words[scored[i].second], scored[i].first});
  return out;
}

std::vector<Neighbor> NeighborIndex::nearest(const std::string& word, int k) const {
  const int32_t i = require(word);
  return search(v_.row(i), k, {i});
}

std::vector<Neighbor> NeighborIndex::analogy(const std::string& a, const std::string& b, const std::string& c,
                                             int k) const {
  const int32_t ia = require(a), ib = require(b), ic = require(c);
  std::vector<float> q(v_.dim);
  for (int64_t j = 0; j < v_.dim; ++j) q[j] = v_.row(ib)[j] - v_.row(ia)[j] + v_.row(ic)[j];
  normalize(q.data(), v_.dim);
  return search(q.data(), k, {ia, ib, ic});
}

}  // namespace lmf::word2vec
