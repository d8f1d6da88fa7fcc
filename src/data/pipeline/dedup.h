// The `dedup` stage: exact and near-duplicate (MinHash LSH) removal across the whole
// corpus, keeping one document per cluster.
//
// Exact: the 64-bit xxh3 hash of the text lower-cased (ASCII) with whitespace runs collapsed
// to one space and trimmed; equal hashes are duplicates (reason "exact_duplicate").
//
// Near (Broder's MinHash with banded LSH, as datatrove and Dolma): the text is lower-cased,
// ASCII punctuation becomes space, words are whitespace-separated; shingles are the
// word n-grams (n = ngram, default 5 as datatrove; a document shorter than n is one shingle).
// The signature holds bands·rows minimum values of independent hash functions
// h_i(x) = (a_i·x + b_i) >> 32 (a_i odd, from `seed`) over the shingle hashes. Two documents
// whose signatures agree on all rows of some band are a candidate pair; a candidate pair is
// verified: the fraction of equal signature values (an unbiased Jaccard estimate) must be at
// least `threshold` (default 0.8). Each document of a band bucket is compared with the
// bucket's first member and, failing that, with its predecessor in the bucket. Verified
// pairs (and exact duplicates) are merged by union-find; each cluster keeps its first document
// in input order and the others are removed (reason "near_duplicate", or "exact_duplicate"
// when the text hash equals the kept one's), with detail "duplicate of input document N".
//
// Defaults: 32 bands × 8 rows = 256 hashes. The probability that a pair of Jaccard J becomes
// a candidate is 1 - (1 - J^8)^32: 0.9999 at 0.85, 0.12 at 0.5 (those are rejected by the
// verification, whose standard error at J = 0.85 is 0.022).
//
// Sharded runs (--shard I/N on N machines) dedup across shards in three steps:
//   1. each shard runs dedup with "signatures_out": FILE: its index (input index, text hash,
//      signature per document) is written there and no document is removed;
//   2. merge_dedup_signatures (lmforge data dedup-merge) clusters all shards' documents
//      together, exactly as one run over the whole corpus would, and writes the removals
//      as JSONL {"index", "reason", "duplicate_of"} (input indexes);
//   3. each shard runs dedup with "removals": FILE, a per-document stage that removes the
//      documents listed there.
// The signature file: 8 bytes "LMFMHSG1", int32 hashes per document, int32 0, then per
// document int64 input index, uint64 text hash and the hashes as uint32 (little-endian).
//
// Under mpirun (data/pipeline/shard_exchange.h) each rank reads its shard and finish()
// exchanges the index with the other ranks: every rank clusters all documents in input-index
// order and removes its own duplicates — the removals one run over the whole input makes.
//
// Memory: the index holds, per document reaching the stage, 4·bands·rows bytes of signature
// (1 KiB by default) + 24 bytes (text hash, input index, union-find parent), and while
// finishing 16·bands bytes more; the documents themselves are streamed.
#pragma once
#include <cstdint>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "data/pipeline/shard_exchange.h"
#include "data/pipeline/stage.h"

namespace lmf::data::pipeline {

struct DedupOptions {
  bool exact = true, near = true;
  int ngram = 5, bands = 32, rows = 8;
  double threshold = 0.8;
  uint64_t seed = 42;
  std::string signatures_out;  // step 1 of a sharded run: write the index here, remove nothing
  std::string removals;        // step 3: remove the documents listed in this file
  static DedupOptions from_json(const nlohmann::json& j);

  // The settings report.json lists, f(name, field) each (see options.h); the two files
  // above are read too and reported beside them.
  template <class Self, class F>
  static void each_setting(Self& o, F&& f) {
    f("exact", o.exact);
    f("near", o.near);
    f("ngram", o.ngram);
    f("bands", o.bands);
    f("rows", o.rows);
    f("threshold", o.threshold);
    f("seed", o.seed);
  }
};

class MinHasher {
 public:
  explicit MinHasher(const DedupOptions& o);
  int size() const { return int(a_.size()); }
  // sig receives size() values.
  void signature(std::string_view text, uint32_t* sig) const;
  // Hash of the text for exact matching (see above).
  static uint64_t exact_hash(std::string_view text);
  // Fraction of equal values.
  static double similarity(const uint32_t* x, const uint32_t* y, int n);

 private:
  int ngram_;
  std::vector<uint64_t> a_, b_;
  // The same numbers split into 32-bit halves for the vectorised signature loop.
  std::vector<uint32_t> a_lo_, a_hi_, b_lo_, b_hi_;
};

class DedupStage : public Stage {
 public:
  explicit DedupStage(DedupOptions o);
  std::string name() const override { return "dedup"; }
  bool corpus_wide() const override { return o_.removals.empty(); }
  std::vector<std::string> counter_names() const override { return {}; }
  void observe(const Document& doc, int64_t position) override;
  void finish() override;
  void process(Document& doc, int64_t position, int64_t* counters) const override;
  void report(nlohmann::ordered_json& out) const override;

 private:
  void finish_across_shards(const ShardExchange& ex);

  DedupOptions o_;
  MinHasher hasher_;
  bool across_shards_ = false;  // removals_ came from the ranks' exchange
  std::mutex mu_;
  std::vector<uint32_t> sigs_;      // (positions, bands·rows)
  std::vector<uint64_t> hashes_;    // exact hash per position
  std::vector<int64_t> index_;      // input index per position
  std::vector<int64_t> keeper_;     // after finish: position kept for this one's cluster
  std::vector<char> exact_dup_;     // after finish: the text hash equals the keeper's
  int64_t candidate_pairs_ = 0, verified_pairs_ = 0;
  std::map<int64_t, int64_t> cluster_sizes_;  // size -> clusters (size >= 2)
  std::unordered_map<int64_t, std::pair<std::string, int64_t>> removals_;  // index -> (reason, kept index)
};

// Step 2 of a sharded run: the removals (JSONL) from the shards' signature files; returns
// the report (documents, removals per reason, pairs, cluster sizes). FormatError naming
// the file for a corrupt one or one made with a different number of hashes.
nlohmann::ordered_json merge_dedup_signatures(const std::vector<std::string>& files, const DedupOptions& o,
                                              const std::string& removals_out);

}  // namespace lmf::data::pipeline
