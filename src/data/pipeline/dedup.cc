#include "data/pipeline/dedup.h"

#define XXH_INLINE_ALL
#include <xxhash.h>

#if defined(__AVX2__)
#include <immintrin.h>
#endif

#include <algorithm>
#include <cstring>
#include <sstream>
#include <numeric>
#include <random>

#include "core/error.h"
#include "data/pipeline/byte_masks.h"
#include "data/pipeline/options.h"
#include "data/pipeline/output_file.h"
#include "data/pipeline/words.h"
#include "io/atomic_file.h"

namespace lmf::data::pipeline {

DedupOptions DedupOptions::from_json(const nlohmann::json& j) {
  DedupOptions o;
  OptionReader r("dedup", j);
  read_settings(r, o);
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
  for (int i = 0; i < n; ++i) {
    a_lo_.push_back(uint32_t(a_[size_t(i)])), a_hi_.push_back(uint32_t(a_[size_t(i)] >> 32));
    b_lo_.push_back(uint32_t(b_[size_t(i)])), b_hi_.push_back(uint32_t(b_[size_t(i)] >> 32));
  }
}

uint64_t MinHasher::exact_hash(std::string_view text) {
  // Lower-cased, every white-space byte a space; then trimmed and each space that follows a
  // space dropped (found 64 bytes at a time, moved in runs between them).
  thread_local std::string s;
  s.resize(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char c = (unsigned char)text[i];
    const unsigned char low = unsigned(c) - 'A' < 26u ? c + 32 : c;
    s[i] = char(c == ' ' || c - 9u < 5u ? ' ' : low);
  }
  size_t b = 0, e = s.size();
  while (b < e && s[b] == ' ') ++b;
  while (e > b && s[e - 1] == ' ') --e;
  size_t n = 0, from = b;  // s[from, ...) is still to be moved to s[n, ...)
  uint64_t prev = 0;
  for_each_block(std::string_view(s).substr(b, e - b), 0, [&](size_t off, const Block64& blk, uint64_t) {
    const uint64_t sp = blk.eq(' ');
    uint64_t drop = sp & (sp << 1 | prev >> 63);
    prev = sp;
    for (; drop; drop &= drop - 1) {
      const size_t at = b + off + size_t(__builtin_ctzll(drop));
      std::memmove(&s[n], &s[from], at - from);
      n += at - from;
      from = at + 1;
    }
  });
  std::memmove(&s[n], &s[from], e - from);
  n += e - from;
  return XXH3_64bits(s.data(), n);
}

// h(x) = (a·x + b) >> 32 (mod 2^64) from 32-bit halves: with x = xh·2^32 + xl and
// a = ah·2^32 + al, a·x + b = al·xl + 2^32·(al·xh + ah·xl + bh) + bl (mod 2^64), so the high
// half is hi(al·xl) + al·xh + ah·xl + bh + carry(lo(al·xl) + bl), all mod 2^32: two 32×32→64
// products (4 lanes each) and two 32-bit ones (8 lanes) per 8 hash functions with AVX2,
// instead of emulating 64-bit products. Hash functions go in groups of 16 kept in registers
// over all shingles of the document.
void MinHasher::signature(std::string_view text, uint32_t* sig) const {
  thread_local std::vector<uint64_t> words;
  thread_local std::vector<uint32_t> xs_lo, xs_hi;  // the shingle hashes' halves
  word_hashes(text, words);
  const int n = size();
  std::fill(sig, sig + n, UINT32_MAX);
  if (words.empty()) return;
  const int k = int(std::min<size_t>(size_t(ngram_), words.size()));
  const size_t shingles = words.size() - size_t(k) + 1;
  xs_lo.resize(shingles);
  xs_hi.resize(shingles);
  for (size_t i = 0; i < shingles; ++i) {
    const uint64_t x = ngram_hash(&words[i], k);  // the shingle
    xs_lo[i] = uint32_t(x), xs_hi[i] = uint32_t(x >> 32);
  }
  int h0 = 0;
#if defined(__AVX2__)
  const __m256i sign = _mm256_set1_epi32(int(0x80000000u));
  struct Lanes {  // 8 hash functions
    __m256i al, al_odd, ah, bl, bl_signed, bh, min;
  };
  auto load = [&](int h) {
    Lanes l;
    l.al = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&a_lo_[size_t(h)]));
    l.al_odd = _mm256_srli_epi64(l.al, 32);  // lanes 1, 3, 5, 7 moved to the even places
    l.ah = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&a_hi_[size_t(h)]));
    l.bl = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&b_lo_[size_t(h)]));
    l.bl_signed = _mm256_xor_si256(l.bl, sign);
    l.bh = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(&b_hi_[size_t(h)]));
    l.min = _mm256_set1_epi32(-1);
    return l;
  };
  auto step = [&](Lanes& l, __m256i xl, __m256i xh) {
    const __m256i even = _mm256_mul_epu32(l.al, xl), odd = _mm256_mul_epu32(l.al_odd, xl);  // al·xl, 64 bits
    const __m256i plo = _mm256_blend_epi32(even, _mm256_slli_epi64(odd, 32), 0xAA);
    const __m256i phi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    const __m256i cross = _mm256_add_epi32(_mm256_mullo_epi32(l.al, xh), _mm256_mullo_epi32(l.ah, xl));
    const __m256i slo = _mm256_add_epi32(plo, l.bl);
    const __m256i carry = _mm256_cmpgt_epi32(l.bl_signed, _mm256_xor_si256(slo, sign));  // slo < bl: -1
    const __m256i v = _mm256_sub_epi32(_mm256_add_epi32(_mm256_add_epi32(phi, cross), l.bh), carry);
    l.min = _mm256_min_epu32(l.min, v);
  };
  for (; h0 + 16 <= n; h0 += 16) {
    Lanes l0 = load(h0), l1 = load(h0 + 8);
    for (size_t i = 0; i < shingles; ++i) {
      const __m256i xl = _mm256_set1_epi32(int(xs_lo[i])), xh = _mm256_set1_epi32(int(xs_hi[i]));
      step(l0, xl, xh);
      step(l1, xl, xh);
    }
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(sig + h0), l0.min);
    _mm256_storeu_si256(reinterpret_cast<__m256i*>(sig + h0 + 8), l1.min);
  }
#endif
  for (int h = h0; h < n; ++h) {  // the rest (or all, without AVX2): the 64-bit formula
    const uint64_t a = a_[size_t(h)], b = b_[size_t(h)];
    uint32_t m = UINT32_MAX;
    for (size_t i = 0; i < shingles; ++i) {
      const uint64_t x = uint64_t(xs_hi[i]) << 32 | xs_lo[i];
      const uint32_t v = uint32_t((a * x + b) >> 32);
      m = v < m ? v : m;
    }
    sig[h] = m;
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
  if (const ShardExchange* ex = shard_exchange(); ex && ex->ranks() > 1 && o_.signatures_out.empty()) {
    finish_across_shards(*ex);
    return;
  }
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

// Every rank's records (input index, text hash, signature), clustered in input-index order
// as one run over the whole input would; this rank's removals go to removals_.
void DedupStage::finish_across_shards(const ShardExchange& ex) {
  const int n = o_.near ? hasher_.size() : 0;
  const size_t rec = 16 + size_t(n) * 4;
  std::string mine;
  mine.reserve(hashes_.size() * rec);
  for (size_t p = 0; p < hashes_.size(); ++p) {
    mine.append(reinterpret_cast<const char*>(&index_[p]), 8);
    mine.append(reinterpret_cast<const char*>(&hashes_[p]), 8);
    if (n) mine.append(reinterpret_cast<const char*>(&sigs_[p * size_t(n)]), size_t(n) * 4);
  }
  std::vector<uint32_t>().swap(sigs_);
  const std::vector<std::string> all = ex.allgather(mine);
  std::string().swap(mine);
  struct Entry {
    int64_t index;
    uint64_t hash;
    const char* sig;
  };
  std::vector<Entry> entries;
  for (const std::string& blob : all) {
    if (blob.size() % rec != 0) throw Error("dedup: a rank sent a truncated index");
    for (size_t at = 0; at < blob.size(); at += rec) {
      Entry e;
      std::memcpy(&e.index, blob.data() + at, 8);
      std::memcpy(&e.hash, blob.data() + at + 8, 8);
      e.sig = blob.data() + at + 16;
      entries.push_back(e);
    }
  }
  std::sort(entries.begin(), entries.end(), [](const Entry& a, const Entry& b) { return a.index < b.index; });
  std::vector<uint64_t> hashes(entries.size());
  std::vector<uint32_t> sigs(entries.size() * size_t(n));
  for (size_t i = 0; i < entries.size(); ++i) {
    hashes[i] = entries[i].hash;
    if (n) std::memcpy(&sigs[i * size_t(n)], entries[i].sig, size_t(n) * 4);
  }
  Clusters c = cluster(hashes, sigs, n, o_);
  candidate_pairs_ = c.candidate_pairs;
  verified_pairs_ = c.verified_pairs;
  cluster_sizes_ = std::move(c.sizes);
  std::unordered_map<int64_t, char> own;  // this rank's input indexes
  for (int64_t i : index_) own[i] = 1;
  for (size_t p = 0; p < entries.size(); ++p) {
    const size_t k = size_t(c.keeper[p]);
    if (k == p || !own.count(entries[p].index)) continue;
    removals_[entries[p].index] = {hashes[p] == hashes[k] ? "exact_duplicate" : "near_duplicate", entries[k].index};
  }
  across_shards_ = true;
}

void DedupStage::process(Document& doc, int64_t position, int64_t*) const {
  if (!o_.removals.empty() || across_shards_) {  // step 3 of a sharded run, or a run across ranks
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
  out["settings"] = settings_json(o_);
  out["candidate_pairs"] = candidate_pairs_;
  out["verified_pairs"] = verified_pairs_;
  nlohmann::ordered_json sizes = nlohmann::ordered_json::object();
  for (auto& [size, clusters] : cluster_sizes_) sizes[std::to_string(size)] = clusters;
  out["cluster_sizes"] = sizes;
  out["index_bytes_per_document"] = 4 * o_.bands * o_.rows + 24;
}

}  // namespace lmf::data::pipeline
