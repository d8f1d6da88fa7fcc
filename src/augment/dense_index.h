// DenseIndex: nearest-neighbour search over L2-normalised vectors (embeddings), scored by
// inner product, which for unit vectors is their cosine similarity. A thin wrapper over
// FAISS that picks the structure by size:
//
//   - below kHnswFrom vectors, an exact flat index (faiss::IndexFlatIP): every query is
//     compared with every vector; results are exact;
//   - from kHnswFrom vectors on, an HNSW graph (faiss::IndexHNSWFlat, inner product) with
//     kHnswM links a node (2 * kHnswM on the bottom layer), efConstruction =
//     kEfConstruction and efSearch = kEfSearch (at least k): approximate, about
//     sub-linear in the index size.
//
// kHnswFrom = 20,000: a flat query over 20k vectors of 384 dimensions is ~7.7M
// multiply-adds (about a millisecond on one core), while building an HNSW graph over them
// takes seconds; above it the flat scan keeps growing linearly and the graph pays.
// M = 16, efConstruction = 40 keep the build affordable (it is bound by memory latency:
// every candidate is a random read of a vector); efSearch = 64 gives recall@10 of ~0.99
// against the exact search on 100k random 16-dimensional unit vectors
// (tests/unit/augment/dense_index_test.cc; bench/rag measures 1M vectors).
//
// Rows are numbered 0.. in the order they were added; adding across the threshold
// converts the flat index to HNSW (the graph is built from the stored vectors), and adding
// to an HNSW index inserts into the graph, so an index can grow by increments. Every added
// row and every query must be L2-normalised (|norm - 1| <= kNormTolerance, finite): an
// lmf::Error names the row otherwise. FAISS runs on the OpenMP threads (core/threads.h):
// adds and batches of queries over all of them, a batch of fewer queries than twice the
// threads on the calling thread alone.
//
// save() writes one file atomically: a header (magic "LMFDENSE", version, dimension,
// kind, rows), the FAISS index as faiss::write_index serialises it, and a trailer (its
// length and an XXH64 of everything before). load() checks all of these before FAISS
// parses a byte, so a corrupt or truncated file is an lmf::FormatError naming it.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <span>
#include <string>
#include <vector>

namespace faiss {
struct Index;
}

namespace lmf::augment {

struct DenseHit {
  int64_t row;
  float score;  // inner product = cosine similarity
};

class DenseIndex {
 public:
  static constexpr int64_t kHnswFrom = 20'000;
  static constexpr int kHnswM = 16;
  static constexpr int kEfConstruction = 40;
  static constexpr int kEfSearch = 64;
  static constexpr float kNormTolerance = 1e-3f;

  explicit DenseIndex(int dim);  // dim >= 1
  ~DenseIndex();
  DenseIndex(DenseIndex&&) noexcept;
  DenseIndex& operator=(DenseIndex&&) noexcept;

  // vectors: (n, dim) row-major, n >= 0; each row L2-normalised.
  void add(std::span<const float> vectors);
  // queries: (q, dim) row-major, each L2-normalised; k >= 1. Per query, the min(k, size())
  // best rows, best (highest score) first.
  std::vector<std::vector<DenseHit>> search(std::span<const float> queries, int k) const;

  int64_t size() const;
  int dim() const { return dim_; }
  std::string kind() const;  // "flat" or "hnsw"

  void save(const std::filesystem::path& file) const;
  static DenseIndex load(const std::filesystem::path& file);

 private:
  // Rows of a (n, dim) buffer; an Error naming `what` and the row when one is not unit length.
  int64_t checked_rows(std::span<const float> vectors, const char* what, int64_t first_row) const;

  int dim_;
  std::unique_ptr<faiss::Index> index_;  // faiss::IndexFlatIP or faiss::IndexHNSWFlat
};

}  // namespace lmf::augment
