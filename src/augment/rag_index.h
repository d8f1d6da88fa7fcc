// RagIndex: a retrieval index on disk — documents cut into token chunks, a BM25 index
// over the chunks and, when built with an embedding model, a dense (FAISS) index of their
// embeddings — and the queries `lmforge rag query` and grounded generation run on it.
//
// The index is a folder:
//   manifest.json           format, version, generation, chunking (tokenizer SPEC,
//                           chunk_tokens, overlap), BM25 (k1, b, analyzer), the embedding
//                           model (absolute path, pooling, dimension, XXH64 of its weights)
//                           or null, counts, and the data files of this generation:
//   documents.G.jsonl       one {"id","text","metadata"} a document
//   chunks.G.jsonl          one [document, chunk, start, end] a chunk (byte offsets)
//   bm25.G.bin              augment/bm25_index.h
//   dense.G.faiss           augment/dense_index.h (with an embedding model)
// A build or an add writes generation G+1's files, then replaces manifest.json
// atomically, then removes the older files: an interrupted build leaves the previous
// index as it was. Dense queries load the embedding model the manifest names and refuse
// it when its weights hash differs from the recorded one (the model changed), and a
// query naming another embedding model is refused: vectors of different models are
// never compared.
#pragma once
#include <cstdint>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "augment/bm25_index.h"
#include "augment/chunker.h"
#include "augment/dense_index.h"
#include "augment/documents.h"
#include "augment/embedding.h"
#include "tokenizer/tokenizer.h"

namespace lmf::augment {

// Without an embedding model (and no --tokenizer), chunks are cut with this tokenizer.
inline constexpr const char* kDefaultChunkTokenizer = "tiktoken:cl100k_base";
// Hybrid retrieval fuses this many of each ranking's best (at least k).
inline constexpr int kHybridDepth = 50;

struct RagIndexOptions {
  std::string tokenizer;    // SPEC; empty: the embedding model's, else kDefaultChunkTokenizer
  ChunkParams chunking;
  Bm25Params bm25;
  std::string embed_model;  // empty: BM25 only
  Pooling pooling = Pooling::kMean;
  bool progress = true;     // a progress bar on stderr while embedding
};

enum class RetrievalMode { kBm25, kDense, kHybrid };
RetrievalMode parse_retrieval_mode(std::string_view name);  // "bm25" | "dense" | "hybrid"
std::string_view retrieval_mode_name(RetrievalMode);

struct ChunkRecord {
  uint32_t doc;    // index into the documents
  uint32_t chunk;  // within its document
  uint64_t start, end;
};

struct RagHit {
  const Document* doc;
  uint32_t chunk;
  uint64_t start, end;
  double score;  // BM25 score, cosine similarity, or the fused reciprocal-rank score
  std::string_view text() const { return std::string_view(doc->text).substr(start, end - start); }
};

class RagIndex {
 public:
  // A new index at `dir` from `docs` (an index already there is replaced once the new one
  // is complete; a folder that is not an index is refused).
  static void create(const std::filesystem::path& dir, const std::vector<Document>& docs, const RagIndexOptions& opt);
  // Adds `docs` to the index at `dir` with its recorded settings (ids must be new).
  static void add(const std::filesystem::path& dir, const std::vector<Document>& docs, bool progress = true);

  // Opens the index at `dir`. `embed_model`, when not empty, must be the model the index
  // was built with (an Error otherwise).
  explicit RagIndex(const std::filesystem::path& dir, const std::string& embed_model = "");
  ~RagIndex();

  // The k best chunks for `query`; mode defaults to hybrid with dense vectors, else bm25.
  std::vector<RagHit> query(std::string_view query, int k, std::optional<RetrievalMode> mode = {}) const;

  bool has_dense() const { return dense_ != nullptr; }
  const std::vector<Document>& documents() const { return docs_; }
  const std::vector<ChunkRecord>& chunks() const { return chunks_; }
  const nlohmann::json& manifest() const { return manifest_; }

 private:
  RagIndex() = default;
  void open_tokenizer();  // the chunk tokenizer the manifest names
  void append(const std::vector<Document>& docs, bool progress);
  void write(const std::filesystem::path& dir);
  const Embedder& embedder() const;  // loaded on first use, its weights checked

  std::filesystem::path dir_;
  nlohmann::json manifest_;
  std::vector<Document> docs_;
  std::vector<ChunkRecord> chunks_;
  std::unique_ptr<Bm25Index> bm25_;
  std::unique_ptr<DenseIndex> dense_;
  std::unique_ptr<tok::Tokenizer> chunk_tokenizer_;
  mutable std::unique_ptr<Embedder> embedder_;
};

}  // namespace lmf::augment
