#include "data/pipeline/dedup.h"

#include <xxhash.h>

#include <algorithm>
#include <cstring>
#include <sstream>
#include <numeric>
#include <random>

#include "core/error.h"
#include "data/pipeline/options.h"
#include "data/pipeline/output_file.h"
#include "data/pipeline/words.h"
#include "io/atomic_file.h"

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
  r.get("signatures_out", o.signatures_out);
  r.get("removals", o.removals);
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
  thread_local std::string s;
  s.resize(text.size());
  size_t n = 0;
  bool space = false;
  for (char c : text) {
    if (c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v') {
      space = n > 0;
      continue;
    }
    if (space) s[n++] = ' ';
    space = false;
    s[n++] = (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
  }
  return XXH3_64bits(s.data(), n);
}

void MinHasher::signature(std::string_view text, uint32_t* sig) const {
  thread_local std::vector<uint64_t> words;
  word_hashes(text, words);
  const int n = size();
  std::fill(sig, sig + n, UINT32_MAX);
  if (words.empty()) return;
  const int k = int(std::min<size_t>(size_t(ngram_), words.size()));
  const uint64_t* a = a_.data();
  const uint64_t* b = b_.data();
  for (size_t i = 0; i + size_t(k) <= words.size(); ++i) {
    const uint64_t x = ngram_hash(&words[i], k);  // the shingle
#pragma omp simd
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

DedupStage::DedupStage(DedupOptions o) : o_(o), hasher_(o) {
  if (o_.removals.empty()) return;
  std::istringstream in(io::read_file(o_.removals));
  int64_t line_no = 0;
  for (std::string line; std::getline(in, line);) {
    ++line_no;
    if (line.empty()) continue;
    auto j = nlohmann::json::parse(line, nullptr, false);
    if (j.is_discarded() || !j.is_object() || !j.contains("index") || !j["index"].is_number_integer() ||
        !j.contains("reason") || !j["reason"].is_string() || !j.contains("duplicate_of"))
      throw FormatError(o_.removals + ":" + std::to_string(line_no) + ": expected {\"index\", \"reason\", \"duplicate_of\"}");
    removals_[j["index"].get<int64_t>()] = {j["reason"].get<std::string>(), j["duplicate_of"].get<int64_t>()};
  }
}

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

namespace {

struct Clusters {
  std::vector<int64_t> keeper;  // per position: the position kept for its cluster
  int64_t candidate_pairs = 0, verified_pairs = 0;
  std::map<int64_t, int64_t> sizes;  // cluster size -> clusters (size >= 2)
};

// Clusters positions 0..count-1 (input order) from their text hashes and signatures
// (count × n, empty when o.near is false).
Clusters cluster(const std::vector<uint64_t>& hashes, const std::vector<uint32_t>& sigs, int n, const DedupOptions& o) {
  Clusters c;
  const int64_t count = int64_t(hashes.size());
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
  if (o.exact) {
    for (int64_t p = 0; p < count; ++p) keys[size_t(p)] = {hashes[size_t(p)], p};
    std::sort(keys.begin(), keys.end());
    for (size_t i = 1; i < keys.size(); ++i)
      if (keys[i].first == keys[i - 1].first) unite(keys[i].second, keys[i - 1].second);
  }
  if (o.near) {
    for (int band = 0; band < o.bands; ++band) {
      for (int64_t p = 0; p < count; ++p)
        keys[size_t(p)] = {XXH3_64bits(&sigs[size_t(p) * size_t(n) + size_t(band * o.rows)], size_t(o.rows) * 4), p};
      std::sort(keys.begin(), keys.end());
      for (size_t i = 0; i < keys.size();) {
        size_t j = i + 1;
        while (j < keys.size() && keys[j].first == keys[i].first) ++j;
        for (size_t k = i + 1; k < j; ++k) {  // each member against the bucket's first, then its predecessor
          const int64_t p = keys[k].second;
          const uint32_t* sp = &sigs[size_t(p) * size_t(n)];
          for (size_t other : {i, k - 1}) {
            const int64_t q = keys[other].second;
            if (find(p) == find(q)) break;
            ++c.candidate_pairs;
            if (MinHasher::similarity(sp, &sigs[size_t(q) * size_t(n)], n) >= o.threshold) {
              ++c.verified_pairs;
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
  c.keeper.resize(size_t(count));
  std::map<int64_t, int64_t> members;
  for (int64_t p = 0; p < count; ++p) ++members[c.keeper[size_t(p)] = find(p)];
  for (auto& [root, size] : members)
    if (size >= 2) ++c.sizes[size];
  return c;
}

constexpr char kSignatureMagic[8] = {'L', 'M', 'F', 'M', 'H', 'S', 'G', '1'};

}  // namespace

void DedupStage::finish() {
  const int64_t count = int64_t(hashes_.size());
  const int n = hasher_.size();
  if (!o_.signatures_out.empty()) {  // step 1 of a sharded run: write the index, keep everything
    OutputFile f(o_.signatures_out);
    const int32_t header[2] = {o_.near ? n : 0, 0};
    f.write(std::string_view(kSignatureMagic, 8));
    f.write(std::string_view(reinterpret_cast<const char*>(header), sizeof header));
    for (int64_t p = 0; p < count; ++p) {
      f.write(std::string_view(reinterpret_cast<const char*>(&index_[size_t(p)]), 8));
      f.write(std::string_view(reinterpret_cast<const char*>(&hashes_[size_t(p)]), 8));
      if (o_.near) f.write(std::string_view(reinterpret_cast<const char*>(&sigs_[size_t(p) * size_t(n)]), size_t(n) * 4));
    }
    f.commit();
    keeper_.resize(size_t(count));
    std::iota(keeper_.begin(), keeper_.end(), 0);
    exact_dup_.assign(size_t(count), 0);
    std::vector<uint32_t>().swap(sigs_);
    return;
  }
  Clusters c = cluster(hashes_, sigs_, n, o_);
  keeper_ = std::move(c.keeper);
  candidate_pairs_ = c.candidate_pairs;
  verified_pairs_ = c.verified_pairs;
  cluster_sizes_ = std::move(c.sizes);
  exact_dup_.resize(size_t(count));
  for (int64_t p = 0; p < count; ++p) exact_dup_[size_t(p)] = hashes_[size_t(p)] == hashes_[size_t(keeper_[size_t(p)])];
  std::vector<uint32_t>().swap(sigs_);
}

nlohmann::ordered_json merge_dedup_signatures(const std::vector<std::string>& files, const DedupOptions& o,
                                              const std::string& removals_out) {
  const int n = o.near ? o.bands * o.rows : 0;
  struct Entry {
    int64_t index;
    uint64_t hash;
    size_t sig;  // offset in `sigs` of the file's data
  };
  std::vector<Entry> entries;
  std::vector<uint32_t> file_sigs;
  for (auto& path : files) {
    const std::string bytes = io::read_file(path);
    int32_t header[2];
    if (bytes.size() < 16 || bytes.compare(0, 8, std::string(kSignatureMagic, 8)) != 0)
      throw FormatError(path + ": not a dedup signature file (magic LMFMHSG1)");
    std::memcpy(header, bytes.data() + 8, 8);
    if (header[0] != n)
      throw FormatError(path + ": " + std::to_string(header[0]) + " hashes per document, but the settings give " +
                        std::to_string(n) + " (bands × rows, or 0 without near dedup)");
    const size_t rec = 16 + size_t(n) * 4;
    if ((bytes.size() - 16) % rec != 0) throw FormatError(path + ": truncated (size is not header + whole records)");
    for (size_t at = 16; at < bytes.size(); at += rec) {
      Entry e;
      std::memcpy(&e.index, bytes.data() + at, 8);
      std::memcpy(&e.hash, bytes.data() + at + 8, 8);
      e.sig = file_sigs.size();
      file_sigs.resize(file_sigs.size() + size_t(n));
      std::memcpy(file_sigs.data() + e.sig, bytes.data() + at + 16, size_t(n) * 4);
      entries.push_back(e);
    }
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.index < b.index; });
  for (size_t i = 1; i < entries.size(); ++i)
    if (entries[i].index == entries[i - 1].index)
      throw FormatError("dedup merge: input document " + std::to_string(entries[i].index) +
                        " appears in two signature files (overlapping shards?)");
  std::vector<uint64_t> hashes(entries.size());
  std::vector<uint32_t> sigs(entries.size() * size_t(n));
  for (size_t i = 0; i < entries.size(); ++i) {
    hashes[i] = entries[i].hash;
    std::copy(file_sigs.begin() + long(entries[i].sig), file_sigs.begin() + long(entries[i].sig + size_t(n)),
              sigs.begin() + long(i * size_t(n)));
  }
  std::vector<uint32_t>().swap(file_sigs);
  Clusters c = cluster(hashes, sigs, n, o);
  OutputFile out(removals_out);
  std::map<std::string, int64_t> reasons;
  for (size_t p = 0; p < entries.size(); ++p) {
    const int64_t k = c.keeper[p];
    if (k == int64_t(p)) continue;
    const std::string reason = hashes[p] == hashes[size_t(k)] ? "exact_duplicate" : "near_duplicate";
    ++reasons[reason];
    out.write_line(nlohmann::ordered_json{{"index", entries[p].index}, {"reason", reason},
                                          {"duplicate_of", entries[size_t(k)].index}}.dump());
  }
  out.commit();
  nlohmann::ordered_json rep{{"documents", entries.size()}, {"removed", reasons}, {"candidate_pairs", c.candidate_pairs},
                             {"verified_pairs", c.verified_pairs}};
  nlohmann::ordered_json sizes = nlohmann::ordered_json::object();
  for (auto& [size, clusters] : c.sizes) sizes[std::to_string(size)] = clusters;
  rep["cluster_sizes"] = sizes;
  return rep;
}

void DedupStage::process(Document& doc, int64_t position, int64_t*) const {
  if (!o_.removals.empty()) {  // step 3 of a sharded run
    auto it = removals_.find(doc.index);
    if (it != removals_.end())
      doc.remove(name(), it->second.first, "duplicate of input document " + std::to_string(it->second.second));
    return;
  }
  const int64_t k = keeper_.at(size_t(position));
  if (k == position) return;
  doc.remove(name(), exact_dup_[size_t(position)] ? "exact_duplicate" : "near_duplicate",
             "duplicate of input document " + std::to_string(index_[size_t(k)]));
}

void DedupStage::report(nlohmann::ordered_json& out) const {
  if (!o_.removals.empty()) out["removals"] = o_.removals;
  if (!o_.signatures_out.empty()) out["signatures_out"] = o_.signatures_out;
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
