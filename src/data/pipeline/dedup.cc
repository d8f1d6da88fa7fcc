#include "data/pipeline/dedup.h"

#include <xxhash.h>

#include <algorithm>
#include <numeric>
#include <random>

#include "core/error.h"
#include "data/pipeline/options.h"

namespace lmf::data::pipeline {

DedupOptions DedupOptions::from_json(const nlohmann::json& j) {
  DedupOptions o;
  OptionReader r("dedup", j);
  r.get("exact", o.exact);
  r.get("near", o.near);
  r.get("ngram", o.ngram);
  r.get("bands", o.bands);
  r.get("rows", o.rows);
  r.get("threshold", o.threshold);
  r.get("seed", o.seed);
  r.done();
  if (o.ngram < 1 || o.bands < 1 || o.rows < 1 || o.bands * o.rows > 4096)
    throw Error("dedup: ngram, bands and rows must be positive (bands·rows <= 4096)");
  if (!(o.threshold > 0 && o.threshold <= 1)) throw Error("dedup: threshold must be in (0, 1]");
  return o;
}

MinHasher::MinHasher(const DedupOptions& o) : ngram_(o.ngram) {
  std::mt19937_64 rng(o.seed);
  const int n = o.bands * o.rows;
  for (int i = 0; i < n; ++i) {
    a_.push_back(rng() | 1);
    b_.push_back(rng());
  }
}

uint64_t MinHasher::exact_hash(std::string_view text) {
  std::string s;
  s.reserve(text.size());
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = !s.empty();
      continue;
    }
    if (space) s += ' ';
    space = false;
    s += char(std::tolower((unsigned char)c));
  }
  return XXH3_64bits(s.data(), s.size());
}

void MinHasher::signature(std::string_view text, uint32_t* sig) const {
  // Word hashes of the simplified text.
  std::vector<uint64_t> words;
  std::string w;
  auto flush = [&] {
    if (!w.empty()) words.push_back(XXH3_64bits(w.data(), w.size()));
    w.clear();
  };
  for (char c : text) {
    const unsigned char u = (unsigned char)c;
    if (u < 0x80 && (std::isspace(u) || std::ispunct(u))) flush();
    else w += char(std::tolower(u));
  }
  flush();
  const int n = size();
  std::fill(sig, sig + n, UINT32_MAX);
  const size_t k = std::min<size_t>(size_t(ngram_), std::max<size_t>(words.size(), 1));
  if (words.empty()) return;
  const uint64_t* a = a_.data();
  const uint64_t* b = b_.data();
  for (size_t i = 0; i + k <= words.size(); ++i) {
    uint64_t x = 0x9E3779B97F4A7C15ull;
    for (size_t j = 0; j < k; ++j) x = XXH3_64bits_withSeed(&words[i + j], 8, x);
    for (int h = 0; h < n; ++h) {
      const uint32_t v = uint32_t((a[h] * x + b[h]) >> 32);
      sig[h] = v < sig[h] ? v : sig[h];
    }
  }
}

double MinHasher::similarity(const uint32_t* x, const uint32_t* y, int n) {
  int same = 0;
  for (int i = 0; i < n; ++i) same += x[i] == y[i];
  return double(same) / double(n);
}

DedupStage::DedupStage(DedupOptions o) : o_(o), hasher_(o) {}

void DedupStage::observe(const Document& doc, int64_t position) {
  const int n = hasher_.size();
  std::vector<uint32_t> sig(size_t(o_.near ? n : 0));
  if (o_.near) hasher_.signature(doc.text, sig.data());
  const uint64_t h = MinHasher::exact_hash(doc.text);
  std::lock_guard<std::mutex> lock(mu_);
  const size_t p = size_t(position);
  if (hashes_.size() <= p) {
    hashes_.resize(p + 1);
    index_.resize(p + 1);
    if (o_.near) sigs_.resize((p + 1) * size_t(n));
  }
  hashes_[p] = h;
  index_[p] = doc.index;
  if (o_.near) std::copy(sig.begin(), sig.end(), sigs_.begin() + long(p * size_t(n)));
}

void DedupStage::finish() {
  const int64_t count = int64_t(hashes_.size());
  const int n = hasher_.size();
  std::vector<int64_t> parent(static_cast<size_t>(count));
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](int64_t x) {
    while (parent[size_t(x)] != x) x = parent[size_t(x)] = parent[size_t(parent[size_t(x)])];
    return x;
  };
  auto unite = [&](int64_t x, int64_t y) {
    x = find(x), y = find(y);
    if (x != y) parent[size_t(std::max(x, y))] = std::min(x, y);  // the root is the cluster's first
  };
  std::vector<std::pair<uint64_t, int64_t>> keys(static_cast<size_t>(count));
  if (o_.exact) {
    for (int64_t p = 0; p < count; ++p) keys[size_t(p)] = {hashes_[size_t(p)], p};
    std::sort(keys.begin(), keys.end());
    for (size_t i = 1; i < keys.size(); ++i)
      if (keys[i].first == keys[i - 1].first) unite(keys[i].second, keys[i - 1].second);
  }
  if (o_.near) {
    for (int band = 0; band < o_.bands; ++band) {
      for (int64_t p = 0; p < count; ++p)
        keys[size_t(p)] = {XXH3_64bits(&sigs_[size_t(p) * size_t(n) + size_t(band * o_.rows)], size_t(o_.rows) * 4), p};
      std::sort(keys.begin(), keys.end());
      for (size_t i = 0; i < keys.size();) {
        size_t j = i + 1;
        while (j < keys.size() && keys[j].first == keys[i].first) ++j;
        for (size_t k = i + 1; k < j; ++k) {
          const int64_t p = keys[k].second;
          const uint32_t* sp = &sigs_[size_t(p) * size_t(n)];
          for (size_t other : {i, k - 1}) {
            const int64_t q = keys[other].second;
            if (find(p) == find(q)) break;
            ++candidate_pairs_;
            if (MinHasher::similarity(sp, &sigs_[size_t(q) * size_t(n)], n) >= o_.threshold) {
              ++verified_pairs_;
              unite(p, q);
              break;
            }
            if (other == k - 1) break;
          }
        }
        i = j;
      }
    }
  }
  keeper_.resize(size_t(count));
  exact_dup_.resize(size_t(count));
  std::map<int64_t, int64_t> sizes;
  for (int64_t p = 0; p < count; ++p) {
    keeper_[size_t(p)] = find(p);
    exact_dup_[size_t(p)] = hashes_[size_t(p)] == hashes_[size_t(keeper_[size_t(p)])];
    ++sizes[keeper_[size_t(p)]];
  }
  for (auto& [root, size] : sizes)
    if (size >= 2) ++cluster_sizes_[size];
  std::vector<uint32_t>().swap(sigs_);
}

void DedupStage::process(Document& doc, int64_t position, int64_t*) const {
  const int64_t k = keeper_.at(size_t(position));
  if (k == position) return;
  doc.remove(name(), exact_dup_[size_t(position)] ? "exact_duplicate" : "near_duplicate",
             "duplicate of input document " + std::to_string(index_[size_t(k)]));
}

void DedupStage::report(nlohmann::ordered_json& out) const {
  out["settings"] = {{"exact", o_.exact}, {"near", o_.near}, {"ngram", o_.ngram}, {"bands", o_.bands},
                     {"rows", o_.rows}, {"threshold", o_.threshold}, {"seed", o_.seed}};
  out["candidate_pairs"] = candidate_pairs_;
  out["verified_pairs"] = verified_pairs_;
  nlohmann::ordered_json sizes = nlohmann::ordered_json::object();
  for (auto& [size, clusters] : cluster_sizes_) sizes[std::to_string(size)] = clusters;
  out["cluster_sizes"] = sizes;
  out["index_bytes_per_document"] = 4 * o_.bands * o_.rows + 24;
}

}  // namespace lmf::data::pipeline
