#include "augment/rag_index.h"

#include "augment/rank_fusion.h"

#include <algorithm>
#include <fstream>
#include <set>

#include "core/error.h"
#include "io/atomic_file.h"
#include "io/progress.h"
#include "models/checkpoint.h"

namespace lmf::augment {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

constexpr const char* kFormat = "lmforge-rag-index";
constexpr int kVersion = 1;
constexpr const char* kAnalyzer = "Unicode case folding; terms are runs of letters (L*) and numbers (N*); no stemming, no stop words";

std::string file_name(const char* stem, int64_t generation, const char* ext) {
  return std::string(stem) + "." + std::to_string(generation) + "." + ext;
}

[[noreturn]] void corrupt(const fs::path& dir, const std::string& what) {
  throw FormatError(dir.string() + ": damaged index (" + what + "); rebuild it with `lmforge rag index`");
}

std::string abs_path(const std::string& p) { return fs::absolute(p).lexically_normal().string(); }

}  // namespace

RetrievalMode parse_retrieval_mode(std::string_view name) {
  if (name == "bm25") return RetrievalMode::kBm25;
  if (name == "dense") return RetrievalMode::kDense;
  if (name == "hybrid") return RetrievalMode::kHybrid;
  throw Error("unknown retrieval mode '" + std::string(name) + "' (expected bm25, dense or hybrid)");
}

std::string_view retrieval_mode_name(RetrievalMode m) {
  switch (m) {
    case RetrievalMode::kBm25: return "bm25";
    case RetrievalMode::kDense: return "dense";
    case RetrievalMode::kHybrid: return "hybrid";
  }
  return "?";
}

RagIndex::~RagIndex() = default;

void RagIndex::create(const fs::path& dir, const std::vector<Document>& docs, const RagIndexOptions& opt) {
  check_chunk_params(opt.chunking);
  if (fs::exists(dir) && (!fs::is_directory(dir) || (!fs::is_empty(dir) && !fs::exists(dir / "manifest.json"))))
    throw Error(dir.string() + " exists and is not a retrieval index: choose another --out");
  RagIndex idx;
  json embedding = nullptr;
  std::string tokenizer = opt.tokenizer;
  if (!opt.embed_model.empty()) {
    idx.embedder_ = std::make_unique<Embedder>(EmbedderSpec{opt.embed_model, "", "", opt.pooling});
    if (opt.chunking.chunk_tokens > idx.embedder_->max_tokens())
      throw Error("--chunk-tokens " + std::to_string(opt.chunking.chunk_tokens) + " is more than the embedding model's context of " +
                  std::to_string(idx.embedder_->max_tokens()) + " tokens");
    embedding = {{"model", abs_path(opt.embed_model)},
                 {"pooling", pooling_name(opt.pooling)},
                 {"dim", idx.embedder_->dim()},
                 {"weights_xxh64", idx.embedder_->weights_hash()}};
    if (tokenizer.empty()) tokenizer = abs_path(model_tokenizer_spec(opt.embed_model, ""));
    idx.dense_ = std::make_unique<DenseIndex>(idx.embedder_->dim());
  }
  if (tokenizer.empty()) tokenizer = kDefaultChunkTokenizer;
  else if (tokenizer.rfind("tiktoken:", 0) != 0) tokenizer = abs_path(tokenizer);
  idx.manifest_ = {{"format", kFormat},
                   {"version", kVersion},
                   {"generation", 0},
                   {"chunking", {{"tokenizer", tokenizer}, {"chunk_tokens", opt.chunking.chunk_tokens}, {"overlap", opt.chunking.overlap}}},
                   {"bm25", {{"k1", opt.bm25.k1}, {"b", opt.bm25.b}, {"analyzer", kAnalyzer}}},
                   {"embedding", embedding}};
  if (fs::exists(dir / "manifest.json")) {  // replacing an index: continue its generations
    try {
      idx.manifest_["generation"] = json::parse(io::read_file((dir / "manifest.json").string())).at("generation").get<int64_t>();
    } catch (const json::exception&) {
    }
  }
  idx.bm25_ = std::make_unique<Bm25Index>(opt.bm25);
  idx.open_tokenizer();
  idx.append(docs, opt.progress);
  idx.write(dir);
}

void RagIndex::add(const fs::path& dir, const std::vector<Document>& docs, bool progress) {
  RagIndex idx(dir);
  idx.append(docs, progress);
  idx.write(dir);
}

RagIndex::RagIndex(const fs::path& dir, const std::string& embed_model) : dir_(dir) {
  const fs::path mpath = dir / "manifest.json";
  if (!fs::is_directory(dir)) throw FormatError(dir.string() + ": no such index (build one with `lmforge rag index`)");
  if (!fs::exists(mpath)) throw FormatError(dir.string() + ": not a retrieval index (no manifest.json)");
  try {
    manifest_ = json::parse(io::read_file(mpath.string()));
    if (manifest_.at("format") != kFormat) corrupt(dir, "manifest.json is not an lmforge retrieval index manifest");
    if (manifest_.at("version") != kVersion)
      throw FormatError(dir.string() + ": index version " + manifest_.at("version").dump() + ", this lmforge reads " + std::to_string(kVersion));
    const json& files = manifest_.at("files");
    for (const auto& [name, file] : files.items())
      if (!fs::exists(dir / file.get<std::string>())) corrupt(dir, file.get<std::string>() + " is missing");
    std::ifstream dl(dir / files.at("documents").get<std::string>());
    for (std::string line; std::getline(dl, line);) {
      json d = json::parse(line);
      docs_.push_back({d.at("id"), d.at("text").get<std::string>(), d.at("metadata"), ""});
    }
    std::ifstream cl(dir / files.at("chunks").get<std::string>());
    for (std::string line; std::getline(cl, line);) {
      json c = json::parse(line);
      chunks_.push_back({c.at(0).get<uint32_t>(), c.at(1).get<uint32_t>(), c.at(2).get<uint64_t>(), c.at(3).get<uint64_t>()});
    }
    if (docs_.size() != manifest_.at("documents").get<size_t>() || chunks_.size() != manifest_.at("chunks").get<size_t>())
      corrupt(dir, "the document or chunk count differs from the manifest");
    for (const ChunkRecord& c : chunks_)
      if (c.doc >= docs_.size() || c.start > c.end || c.end > docs_[c.doc].text.size()) corrupt(dir, "a chunk lies outside its document");
    bm25_ = std::make_unique<Bm25Index>(Bm25Index::load(dir / files.at("bm25").get<std::string>()));
    if (bm25_->size() != chunks_.size()) corrupt(dir, "the BM25 index has " + std::to_string(bm25_->size()) + " chunks, the manifest " + std::to_string(chunks_.size()));
    if (!manifest_.at("embedding").is_null()) {
      dense_ = std::make_unique<DenseIndex>(DenseIndex::load(dir / files.at("dense").get<std::string>()));
      if (dense_->size() != int64_t(chunks_.size())) corrupt(dir, "the dense index has " + std::to_string(dense_->size()) + " vectors for " + std::to_string(chunks_.size()) + " chunks");
      if (dense_->dim() != manifest_["embedding"].at("dim").get<int>()) corrupt(dir, "the dense index's dimension differs from the manifest's");
    }
  } catch (const json::exception& e) {
    corrupt(dir, std::string("manifest or data files unreadable: ") + e.what());
  }
  if (!embed_model.empty()) {
    if (!has_dense()) throw Error(dir.string() + ": the index has no dense vectors (built without --embed-model)");
    const std::string built_with = manifest_["embedding"]["model"].get<std::string>();
    if (abs_path(embed_model) != built_with)
      throw Error("the index " + dir.string() + " was built with the embedding model " + built_with + ", not " + abs_path(embed_model) +
                  ": vectors of different models cannot be compared (rebuild the index with this model)");
  }
  open_tokenizer();
}

void RagIndex::open_tokenizer() {
  chunk_tokenizer_ = std::make_unique<tok::Tokenizer>(load_tokenizer(manifest_["chunking"]["tokenizer"].get<std::string>()));
}

const Embedder& RagIndex::embedder() const {
  if (!dense_) throw Error(dir_.string() + ": the index has no dense vectors (built without --embed-model); use --mode bm25");
  if (!embedder_) {
    const json& e = manifest_["embedding"];
    const std::string model = e["model"].get<std::string>();
    if (!fs::exists(model)) throw Error("the index's embedding model " + model + " no longer exists");
    embedder_ = std::make_unique<Embedder>(EmbedderSpec{model, "", "", parse_pooling(e["pooling"].get<std::string>())});
    if (embedder_->weights_hash() != e["weights_xxh64"].get<std::string>())
      throw Error("the embedding model " + model + " changed since the index was built (its weights hash differs): rebuild the index");
  }
  return *embedder_;
}

void RagIndex::append(const std::vector<Document>& docs, bool progress) {
  std::set<json> ids;
  for (const Document& d : docs_) ids.insert(d.id);
  for (const Document& d : docs)
    if (!ids.insert(d.id).second) throw Error(d.where + ": document id " + id_text(d.id) + " is already in the index");
  const ChunkParams params{manifest_["chunking"]["chunk_tokens"].get<int>(), manifest_["chunking"]["overlap"].get<int>()};
  const size_t first_new = chunks_.size();
  for (const Document& d : docs) {
    const uint32_t di = uint32_t(docs_.size());
    docs_.push_back(d);
    const std::vector<ChunkSpan> spans = chunk_text(d.text, *chunk_tokenizer_, params);
    for (size_t c = 0; c < spans.size(); ++c) {
      chunks_.push_back({di, uint32_t(c), spans[c].start, spans[c].end});
      bm25_->add(std::string_view(d.text).substr(spans[c].start, spans[c].end - spans[c].start));
    }
  }
  if (!dense_) return;
  const Embedder& emb = embedder();
  std::vector<std::vector<int32_t>> ids_of;
  for (size_t i = first_new; i < chunks_.size(); ++i) {
    const ChunkRecord& c = chunks_[i];
    const Document& d = docs_[c.doc];
    ids_of.push_back(emb.encode(d.text.substr(c.start, c.end - c.start), d.where + " chunk " + std::to_string(c.chunk)));
  }
  std::unique_ptr<io::Progress> bar;
  if (progress && !ids_of.empty()) {
    bar = std::make_unique<io::Progress>(int64_t(ids_of.size()), 1, 0, 100);
    bar->set_units({"chunk", "chunks/s", false});
  }
  const std::vector<float> vecs = emb.embed_ids(ids_of, [&](size_t done) {
    if (bar) bar->update(int64_t(done), "");
  });
  if (bar) bar->finish();
  dense_->add(vecs);
}

void RagIndex::write(const fs::path& dir) {
  fs::create_directories(dir);
  const int64_t g = manifest_["generation"].get<int64_t>() + 1;
  json files = {{"documents", file_name("documents", g, "jsonl")}, {"chunks", file_name("chunks", g, "jsonl")}, {"bm25", file_name("bm25", g, "bin")}};
  io::write_file_atomic((dir / files["documents"].get<std::string>()).string(), [&](std::ostream& out) {
    for (const Document& d : docs_) out << json{{"id", d.id}, {"text", d.text}, {"metadata", d.metadata}}.dump() << '\n';
  });
  io::write_file_atomic((dir / files["chunks"].get<std::string>()).string(), [&](std::ostream& out) {
    for (const ChunkRecord& c : chunks_) out << '[' << c.doc << ',' << c.chunk << ',' << c.start << ',' << c.end << "]\n";
  });
  bm25_->save(dir / files["bm25"].get<std::string>());
  if (dense_) {
    files["dense"] = file_name("dense", g, "faiss");
    dense_->save(dir / files["dense"].get<std::string>());
  }
  manifest_["generation"] = g;
  manifest_["documents"] = docs_.size();
  manifest_["chunks"] = chunks_.size();
  manifest_["files"] = files;
  if (dense_) manifest_["embedding"]["index"] = dense_->kind();
  io::write_text_atomic((dir / "manifest.json").string(), manifest_.dump(2) + "\n");
  // The new generation is in place: remove the files of earlier ones (and temporaries of
  // interrupted writes).
  std::set<std::string> keep{"manifest.json"};
  for (const auto& [k, v] : files.items()) keep.insert(v.get<std::string>());
  for (const fs::directory_entry& e : fs::directory_iterator(dir)) {
    const std::string name = e.path().filename().string();
    const bool ours = name.rfind("documents.", 0) == 0 || name.rfind("chunks.", 0) == 0 || name.rfind("bm25.", 0) == 0 ||
                      name.rfind("dense.", 0) == 0 || name.rfind("manifest.json.tmp", 0) == 0;
    if (ours && !keep.count(name)) fs::remove(e.path());
  }
  dir_ = dir;
}

std::vector<RagHit> RagIndex::query(std::string_view query, int k, std::optional<RetrievalMode> mode) const {
  const RetrievalMode m = mode.value_or(has_dense() ? RetrievalMode::kHybrid : RetrievalMode::kBm25);
  if (k < 1) throw Error("-k must be at least 1 (got " + std::to_string(k) + ")");
  auto hit = [&](uint32_t row, double score) {
    const ChunkRecord& c = chunks_[row];
    return RagHit{&docs_[c.doc], c.chunk, c.start, c.end, score};
  };
  const int depth = m == RetrievalMode::kHybrid ? std::max(k, kHybridDepth) : k;
  std::vector<uint32_t> sparse_rows, dense_rows;
  std::vector<RagHit> hits;
  if (m != RetrievalMode::kDense) {
    for (const Bm25Hit& h : bm25_->search(query, depth)) {
      sparse_rows.push_back(h.row);
      if (m == RetrievalMode::kBm25) hits.push_back(hit(h.row, h.score));
    }
  }
  if (m != RetrievalMode::kBm25) {
    const Embedder& emb = embedder();
    const std::vector<float> q = emb.embed_ids({emb.encode(std::string(query), "the query")});
    const std::vector<std::vector<DenseHit>> found = dense_->search(q, depth);
    for (const DenseHit& h : found.at(0)) {
      dense_rows.push_back(uint32_t(h.row));
      if (m == RetrievalMode::kDense) hits.push_back(hit(uint32_t(h.row), h.score));
    }
  }
  if (m == RetrievalMode::kHybrid)
    for (const FusedHit& h : reciprocal_rank_fusion({sparse_rows, dense_rows}, k)) hits.push_back(hit(h.row, h.score));
  return hits;
}

}  // namespace lmf::augment
