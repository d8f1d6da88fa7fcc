#include "data/tokenize_corpus.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>
#include <string_view>

#include "core/error.h"
#include "data/token_shard.h"
#include "io/atomic_file.h"
#include "io/output_dir.h"
#include "tokenizer/tokenizer.h"

namespace lmf::data {

namespace fs = std::filesystem;

namespace {

constexpr size_t kChunkBytes = size_t(16) << 20;     // text encoded per encode_batch call
constexpr int64_t kProgressBytes = int64_t(32) << 20;  // inputs smaller than this stay quiet

struct InputFile {
  std::string path;
  bool jsonl = false;
  std::shared_ptr<const void> map;
  std::string_view bytes;
  int64_t documents = 0;
};

InputFile map_input(const std::string& path) {
  InputFile f;
  f.path = path;
  f.jsonl = path.size() >= 6 && path.compare(path.size() - 6, 6, ".jsonl") == 0;
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw FormatError("cannot open input " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw FormatError("input " + path + " is not a regular file");
  }
  const size_t len = size_t(st.st_size);
  if (len > 0) {
    void* addr = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (addr == MAP_FAILED) {
      int err = errno;
      ::close(fd);
      throw FormatError("cannot map input " + path + ": " + std::strerror(err));
    }
    ::madvise(addr, len, MADV_SEQUENTIAL);
    f.map = std::shared_ptr<const void>(addr, [len](const void* p) { ::munmap(const_cast<void*>(p), len); });
    f.bytes = std::string_view(static_cast<const char*>(addr), len);
  }
  ::close(fd);
  return f;
}

// A document: a whole plain-text file, or one line of a .jsonl file.
struct DocRef {
  uint32_t file;
  int64_t line;  // 1-based line of a .jsonl document, 0 for a plain-text file
  size_t offset, length;
};

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

std::vector<DocRef> list_documents(std::vector<InputFile>& files) {
  std::vector<DocRef> docs;
  for (uint32_t fi = 0; fi < files.size(); ++fi) {
    InputFile& f = files[fi];
    const size_t before = docs.size();
    if (!f.jsonl) {
      if (!f.bytes.empty()) docs.push_back({fi, 0, 0, f.bytes.size()});
    } else {
      int64_t line = 0;
      for (size_t at = 0; at < f.bytes.size();) {
        const size_t nl = f.bytes.find('\n', at);
        const size_t end = nl == std::string_view::npos ? f.bytes.size() : nl;
        ++line;
        if (!blank(f.bytes.substr(at, end - at))) docs.push_back({fi, line, at, end - at});
        at = end + 1;
      }
    }
    f.documents = int64_t(docs.size() - before);
  }
  return docs;
}

// The text of a .jsonl document: the string field "text" of the line's object.
std::string jsonl_text(const InputFile& f, const DocRef& d) {
  const std::string where = f.path + ":" + std::to_string(d.line);
  nlohmann::json j = nlohmann::json::parse(f.bytes.substr(d.offset, d.length), nullptr, false);
  if (j.is_discarded()) throw FormatError(where + ": not valid JSON");
  if (!j.is_object() || !j.contains("text") || !j["text"].is_string())
    throw FormatError(where + ": expected a JSON object with a string field \"text\"");
  return j["text"].get<std::string>();
}

double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

}  // namespace

TokenizeCorpusReport tokenize_corpus(const TokenizeCorpusOptions& o) {
  const double t0 = now_s();
  if (o.inputs.empty()) throw Error("data tokenize: no input files");
  if (!(o.val_fraction >= 0 && o.val_fraction < 1))
    throw Error("data tokenize: --val-fraction " + std::to_string(o.val_fraction) + " must be in [0, 1)");
  const tok::Tokenizer tok = tok::Tokenizer::load(o.tokenizer);
  const std::optional<TokenId> eot = tok.eot_id();
  if (!eot)
    throw Error("tokenizer " + o.tokenizer +
                " has no end-of-text token (<|endoftext|>, <|end_of_text|> or <|eot_id|>) to separate documents");

  std::vector<InputFile> files;
  int64_t total_bytes = 0;
  for (auto& p : o.inputs) {
    files.push_back(map_input(p));
    total_bytes += int64_t(files.back().bytes.size());
  }
  const std::vector<DocRef> docs = list_documents(files);
  const int64_t n_docs = int64_t(docs.size());
  if (n_docs == 0) throw Error("data tokenize: the inputs hold no documents (all files are empty)");
  int64_t n_val = 0;
  if (o.val_fraction > 0 && n_docs >= 2)
    n_val = std::clamp<int64_t>(std::llround(o.val_fraction * double(n_docs)), 1, n_docs - 1);
  const int64_t n_train = n_docs - n_val;

  // Encode in chunks of about kChunkBytes of text; each document is [eot] + its ids.
  std::vector<TokenId> train, val;
  const bool show = o.progress && total_bytes >= kProgressBytes;
  int64_t done_bytes = 0;
  double last_report = t0;
  std::vector<std::string> owned;
  std::vector<std::string_view> texts;
  for (int64_t begin = 0; begin < n_docs;) {
    int64_t end = begin;
    size_t chunk = 0;
    while (end < n_docs && (end == begin || chunk + docs[size_t(end)].length <= kChunkBytes))
      chunk += docs[size_t(end++)].length;
    owned.clear();
    texts.clear();
    for (int64_t i = begin; i < end; ++i) {  // JSON texts first: owned must not grow while viewed
      const DocRef& d = docs[size_t(i)];
      if (files[d.file].jsonl) owned.push_back(jsonl_text(files[d.file], d));
    }
    for (int64_t i = begin, k = 0; i < end; ++i) {
      const DocRef& d = docs[size_t(i)];
      texts.push_back(files[d.file].jsonl ? std::string_view(owned[size_t(k++)])
                                          : files[d.file].bytes.substr(d.offset, d.length));
    }
    auto ids = tok.encode_batch(texts, o.allow_special, o.threads);
    for (int64_t i = begin; i < end; ++i) {
      std::vector<TokenId>& out = i < n_train ? train : val;
      out.push_back(*eot);
      out.insert(out.end(), ids[size_t(i - begin)].begin(), ids[size_t(i - begin)].end());
    }
    done_bytes += int64_t(chunk);
    begin = end;
    const double t = now_s();
    if (show && (t - last_report >= 2 || begin == n_docs)) {
      last_report = t;
      std::fprintf(stderr, "data tokenize: %.0f/%.0f MB (%.0f%%), %zu tokens, %.1f MB/s\n", done_bytes / 1e6,
                   total_bytes / 1e6, 100.0 * double(done_bytes) / double(total_bytes), train.size() + val.size(),
                   done_bytes / 1e6 / std::max(t - t0, 1e-9));
    }
  }
  // One document: split it by tokens (the leading eot stays with train).
  if (n_docs == 1 && o.val_fraction > 0 && train.size() >= 3) {
    const int64_t doc_tokens = int64_t(train.size()) - 1;
    const int64_t k = std::clamp<int64_t>(std::llround(o.val_fraction * double(doc_tokens)), 1, doc_tokens - 1);
    val.assign(train.end() - k, train.end());
    train.resize(train.size() - size_t(k));
  }

  io::OutputDir out(o.out_dir);  // removed again if this fails before writing to it
  const fs::path dir(o.out_dir);
  const int train_version = write_token_shard((dir / "train.bin").string(), train);
  const int val_version = write_token_shard((dir / "val.bin").string(), val);
  // The tokenizer beside the shards: its own file when it came from one, else its HF form.
  std::string tok_source;
  if (fs::is_directory(o.tokenizer)) tok_source = (fs::path(o.tokenizer) / "tokenizer.json").string();
  else if (fs::is_regular_file(o.tokenizer)) tok_source = o.tokenizer;
  if (!tok_source.empty())
    io::write_text_atomic((dir / "tokenizer.json").string(), io::read_file(tok_source));
  else
    tok.save_json((dir / "tokenizer.json").string());

  TokenizeCorpusReport r;
  r.documents = n_docs;
  r.train_documents = n_train;
  r.val_documents = n_val;
  r.train_tokens = int64_t(train.size());
  r.val_tokens = int64_t(val.size());
  r.bytes = total_bytes;
  nlohmann::json inputs = nlohmann::json::array();
  for (auto& f : files) inputs.push_back({{"path", f.path}, {"bytes", f.bytes.size()}, {"documents", f.documents}});
  nlohmann::json meta = {
      {"format", "llm.c token shards (256 x int32 header: magic 20240520, version, count; then the ids)"},
      {"tokenizer", o.tokenizer},
      {"tokenizer_file", "tokenizer.json"},
      {"vocab_size", tok.vocab_size()},
      {"eot_id", *eot},
      {"document_separator", "eot before every document"},
      {"special_tokens_in_text", o.allow_special ? "ids" : "text"},
      {"val_fraction", o.val_fraction},
      {"split", n_docs == 1 && !val.empty() ? "tokens of the single document" : "documents"},
      {"train", {{"file", "train.bin"}, {"tokens", r.train_tokens}, {"documents", n_train}, {"version", train_version}}},
      {"val", {{"file", "val.bin"}, {"tokens", r.val_tokens}, {"documents", n_val}, {"version", val_version}}},
      {"inputs", inputs}};
  io::write_text_atomic((dir / "meta.json").string(), meta.dump(2) + "\n");
  r.seconds = now_s() - t0;
  return r;
}

}  // namespace lmf::data
