// lmforge rag index / rag query: build a retrieval index over documents (token chunks,
// BM25, and dense vectors with an embedding model) and search it.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "augment/rag_index.h"
#include "cli/command.h"
#include "cli/flags.h"

namespace lmf::cli {
namespace {

using nlohmann::json;

int run_rag_index(int argc, char** argv) {
  CLI::App app{"Build (or --add to) a retrieval index: documents cut into token chunks with overlap, a BM25 index "
               "and, with --embed-model, a dense FAISS index of the chunks' embeddings",
               "lmforge rag index"};
  std::string docs, out, pooling = "mean";
  augment::RagIndexOptions opt;
  bool add = false, quiet = false;
  int threads = 0;
  app.add_option("--docs", docs, "JSONL (one {\"text\", \"id\" (optional), other fields kept as metadata} a line) or a "
                                 "folder of .txt/.md files (the path is the id)")
      ->required();
  app.add_option("--out", out, "the index folder (replaced only once the new index is complete)")->required();
  app.add_flag("--add", add, "add the documents to the index at --out, with its recorded settings");
  app.add_option("--chunk-tokens", opt.chunking.chunk_tokens, "tokens a chunk")->check(int_range(1, 1 << 20))->capture_default_str();
  app.add_option("--overlap", opt.chunking.overlap, "tokens shared by consecutive chunks")->check(int_range(0, 1 << 20))->capture_default_str();
  app.add_option("--tokenizer", opt.tokenizer, "tokenizer SPEC that cuts the chunks (default: the embedding model's; "
                                               "without one, tiktoken:cl100k_base)");
  app.add_option("--embed-model", opt.embed_model, "embedding model DIR: adds a dense index (flat below 20,000 chunks, HNSW above)");
  app.add_option("--pooling", pooling, "pooling of the embedding model's hidden states: mean, last or cls")->capture_default_str();
  app.add_option("--k1", opt.bm25.k1, "BM25 term-frequency saturation")->check(real_range(0, 1000))->capture_default_str();
  app.add_option("--b", opt.bm25.b, "BM25 length normalisation")->check(real_range(0, 1))->capture_default_str();
  app.add_flag("--quiet", quiet, "no progress output");
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  opt.pooling = augment::parse_pooling(pooling);
  opt.progress = !quiet;

  const std::vector<augment::Document> documents = augment::read_documents(docs);
  if (add) {
    augment::RagIndex::add(out, documents, !quiet);
  } else {
    augment::RagIndex::create(out, documents, opt);
  }
  const augment::RagIndex index(out);
  const json& m = index.manifest();
  std::fprintf(stderr, "rag index: %s: %zu documents, %zu chunks%s\n", out.c_str(), index.documents().size(),
               index.chunks().size(), index.has_dense() ? (", dense " + m["embedding"]["index"].get<std::string>()).c_str() : "");
  return 0;
}

int run_rag_query(int argc, char** argv) {
  CLI::App app{"Search a retrieval index: the best chunks for a query, by BM25, by embedding, or both fused "
               "(reciprocal rank fusion, constant 60)",
               "lmforge rag query"};
  std::string index_dir, query, mode, embed_model;
  int k = 5, threads = 0;
  bool as_json = false;
  app.add_option("--index", index_dir, "index folder (`lmforge rag index --out`)")->required();
  app.add_option("--query", query, "the query text")->required();
  app.add_option("-k", k, "chunks to return")->check(int_range(1, 100000))->capture_default_str();
  app.add_option("--mode", mode, "bm25, dense or hybrid (default: hybrid when the index has dense vectors, else bm25)");
  app.add_option("--embed-model", embed_model, "refuse the index unless it was built with this embedding model");
  app.add_flag("--json", as_json, "one JSON object a chunk: id, chunk, start, end, score, text, metadata");
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);

  const augment::RagIndex index(index_dir, embed_model);
  std::optional<augment::RetrievalMode> m;
  if (!mode.empty()) m = augment::parse_retrieval_mode(mode);
  const std::vector<augment::RagHit> hits = index.query(query, k, m);
  for (size_t i = 0; i < hits.size(); ++i) {
    const augment::RagHit& h = hits[i];
    if (as_json) {
      std::printf("%s\n", json{{"id", h.doc->id},
                               {"chunk", h.chunk},
                               {"start", h.start},
                               {"end", h.end},
                               {"score", h.score},
                               {"text", h.text()},
                               {"metadata", h.doc->metadata}}
                              .dump()
                              .c_str());
    } else {
      std::printf("%zu. %s chunk %u [%llu, %llu) score %.6g\n   %s\n", i + 1, augment::id_text(h.doc->id).c_str(), h.chunk,
                  (unsigned long long)h.start, (unsigned long long)h.end, h.score, std::string(h.text()).c_str());
    }
  }
  return 0;
}

Command reg_index("rag index", "build a retrieval index (token chunks, BM25, optional dense vectors) over documents", run_rag_index);
Command reg_query("rag query", "search a retrieval index (bm25, dense or hybrid)", run_rag_query);

}  // namespace
}  // namespace lmf::cli
