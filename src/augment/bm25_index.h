// Bm25Index: an inverted index over chunks, scored with Okapi BM25:
//
//   score(q, d) = sum over the distinct terms t of q present in d of
//                 IDF(t) * tf(t,d) * (k1 + 1) / (tf(t,d) + k1 * (1 - b + b * |d| / avgdl))
//   IDF(t)      = ln(1 + (N - n(t) + 0.5) / (n(t) + 0.5))
//
// N: chunks in the index; n(t): chunks containing t; |d|: the chunk's term count;
// avgdl: the mean term count. Terms come from analyze() (augment/analyzer.h). A query
// term repeated counts once. Defaults k1 = 1.2, b = 0.75 (Lucene's and Elasticsearch's).
// Rows are numbered 0.. in the order chunks were added. Saved as one binary file
// (little-endian, versioned); load() checks its magic, version and sizes and names the
// file in every error.
#pragma once
#include <cstdint>
#include <filesystem>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lmf::augment {

struct Bm25Params {
  double k1 = 1.2;
  double b = 0.75;
};

struct Bm25Hit {
  uint32_t row;
  double score;
};

class Bm25Index {
 public:
  explicit Bm25Index(Bm25Params params = {});

  uint32_t add(std::string_view text);  // -> the chunk's row
  // The k best rows with a positive score, by score (descending), then row (ascending).
  std::vector<Bm25Hit> search(std::string_view query, int k) const;
  double score(std::string_view query, uint32_t row) const;  // 0 when no term matches

  size_t size() const { return doc_len_.size(); }
  const Bm25Params& params() const { return params_; }

  void save(const std::filesystem::path& file) const;
  static Bm25Index load(const std::filesystem::path& file);

 private:
  struct Posting {
    uint32_t row;
    uint32_t tf;
  };
  std::vector<uint32_t> distinct_query_terms(std::string_view query) const;  // term ids
  double idf(uint32_t term) const;

  struct TermHash {  // lets find() take a string_view: no allocation per looked-up term
    using is_transparent = void;
    size_t operator()(std::string_view s) const { return std::hash<std::string_view>{}(s); }
  };

  Bm25Params params_;
  std::unordered_map<std::string, uint32_t, TermHash, std::equal_to<>> term_ids_;
  std::vector<std::vector<Posting>> postings_;  // [term id] -> rows in ascending order
  std::vector<uint32_t> doc_len_;               // [row] -> term count
  uint64_t total_len_ = 0;
};

}  // namespace lmf::augment
