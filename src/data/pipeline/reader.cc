#include "data/pipeline/reader.h"

#include <zlib.h>
#include <zstd.h>

#include <algorithm>
#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace lmf::data::pipeline {

namespace fs = std::filesystem;

namespace {

bool ends_with(const std::string& s, const std::string& suffix) {
  return s.size() >= suffix.size() && s.compare(s.size() - suffix.size(), suffix.size(), suffix) == 0;
}

class PlainSource : public ByteSource {
 public:
  explicit PlainSource(const std::string& path) : path_(path), f_(std::fopen(path.c_str(), "rb")) {
    if (!f_) throw FormatError("cannot open input " + path + ": " + std::strerror(errno));
  }
  ~PlainSource() override { std::fclose(f_); }
  size_t read(char* buf, size_t n) override {
    size_t got = std::fread(buf, 1, n, f_);
    if (got == 0 && std::ferror(f_)) throw FormatError("read error in " + path_);
    consumed_ += got;
    return got;
  }
  uint64_t consumed() const override { return consumed_; }

 private:
  std::string path_;
  FILE* f_;
  uint64_t consumed_ = 0;
};

class GzipSource : public ByteSource {
 public:
  explicit GzipSource(const std::string& path) : path_(path), f_(gzopen(path.c_str(), "rb")) {
    if (!f_) throw FormatError("cannot open input " + path + ": " + std::strerror(errno));
    gzbuffer(f_, 1 << 18);
  }
  ~GzipSource() override { gzclose(f_); }
  size_t read(char* buf, size_t n) override {
    int got = gzread(f_, buf, unsigned(std::min<size_t>(n, 1 << 30)));
    int err = Z_OK;
    const char* msg = got <= 0 ? gzerror(f_, &err) : nullptr;
    // At the end, a stream cut short reads as 0 bytes with Z_BUF_ERROR ("unexpected end of
    // file"): an error, not the end of the input.
    if (got < 0 || (got == 0 && err != Z_OK)) {
      std::string why = msg;  // zlib's message starts with the path it was opened with
      if (why.rfind(path_ + ": ", 0) == 0) why = why.substr(path_.size() + 2);
      throw FormatError("corrupt gzip input " + path_ + ": " + why);
    }
    return size_t(got);
  }
  uint64_t consumed() const override { return uint64_t(std::max<z_off_t>(0, gzoffset(f_))); }

 private:
  std::string path_;
  gzFile f_;
};

class ZstdSource : public ByteSource {
 public:
  explicit ZstdSource(const std::string& path) : path_(path), raw_(path), ctx_(ZSTD_createDStream()) {
    in_buf_.resize(ZSTD_DStreamInSize());
    ZSTD_initDStream(ctx_);
  }
  ~ZstdSource() override { ZSTD_freeDStream(ctx_); }
  size_t read(char* buf, size_t n) override {
    ZSTD_outBuffer out{buf, n, 0};
    while (out.pos == 0) {
      if (in_.pos == in_.size) {
        size_t got = raw_.read(in_buf_.data(), in_buf_.size());
        if (got == 0) {
          if (!frame_done_) throw FormatError("truncated zstd input " + path_);
          return 0;
        }
        in_ = {in_buf_.data(), got, 0};
      }
      size_t r = ZSTD_decompressStream(ctx_, &out, &in_);
      if (ZSTD_isError(r)) throw FormatError("corrupt zstd input " + path_ + ": " + ZSTD_getErrorName(r));
      frame_done_ = r == 0;
    }
    return out.pos;
  }
  uint64_t consumed() const override { return raw_.consumed(); }

 private:
  std::string path_;
  PlainSource raw_;
  ZSTD_DStream* ctx_;
  std::vector<char> in_buf_;
  ZSTD_inBuffer in_{nullptr, 0, 0};
  bool frame_done_ = true;
};

std::string strip_compression(const std::string& path) {
  if (ends_with(path, ".gz")) return path.substr(0, path.size() - 3);
  if (ends_with(path, ".zst")) return path.substr(0, path.size() - 4);
  return path;
}

bool blank(std::string_view s) {
  return std::all_of(s.begin(), s.end(), [](char c) { return c == ' ' || c == '\t' || c == '\r' || c == '\n'; });
}

}  // namespace

std::unique_ptr<ByteSource> ByteSource::open(const std::string& path) {
  if (ends_with(path, ".gz")) return std::make_unique<GzipSource>(path);
  if (ends_with(path, ".zst")) return std::make_unique<ZstdSource>(path);
  return std::make_unique<PlainSource>(path);
}

std::vector<std::string> list_input_files(const std::vector<std::string>& paths,
                                          const std::vector<std::string>& extensions) {
  auto wanted = [&](const std::string& name) {
    return extensions.empty() ||
           std::any_of(extensions.begin(), extensions.end(), [&](const std::string& e) { return ends_with(name, e); });
  };
  std::vector<std::string> files;
  for (auto& p : paths) {
    std::error_code ec;
    if (fs::is_directory(p, ec)) {
      std::vector<std::string> found;
      for (auto it = fs::recursive_directory_iterator(p, ec); !ec && it != fs::recursive_directory_iterator();
           it.increment(ec)) {
        const std::string name = it->path().filename().string();
        if (!name.empty() && name[0] == '.') {
          if (it->is_directory()) it.disable_recursion_pending();
          continue;
        }
        if (it->is_regular_file() && wanted(name)) found.push_back(it->path().string());
      }
      if (ec) throw FormatError("cannot list input folder " + p + ": " + ec.message());
      std::sort(found.begin(), found.end());
      files.insert(files.end(), found.begin(), found.end());
    } else if (fs::is_regular_file(p, ec)) {
      files.push_back(p);
    } else {
      throw FormatError("input " + p + " does not exist or is not a file or folder");
    }
  }
  return files;
}

DocumentReader::DocumentReader(std::vector<std::string> paths, TextUnit unit, int shard_index, int shard_count,
                               const std::vector<std::string>& extensions)
    : files_(list_input_files(paths, extensions)), unit_(unit), shard_index_(shard_index), shard_count_(shard_count) {
  if (shard_count < 1 || shard_index < 0 || shard_index >= shard_count)
    throw Error("shard " + std::to_string(shard_index) + "/" + std::to_string(shard_count) +
                ": the index must be in [0, count)");
  for (const std::string& f : files_) {
    std::error_code ec;
    const uintmax_t n = fs::file_size(f, ec);
    sizes_.push_back(ec ? 0 : uint64_t(n));
    bytes_total_ += sizes_.back();
  }
}

uint64_t DocumentReader::bytes_consumed() const {
  if (!open_ || !src_) return bytes_done_;
  return bytes_done_ + std::min(src_->consumed(), sizes_[file_]);
}

DocumentReader::~DocumentReader() = default;

bool DocumentReader::open_next_file() {
  if (file_ >= files_.size()) return false;
  const std::string& path = files_[file_];
  src_ = ByteSource::open(path);
  const std::string base = strip_compression(path);
  json_ = ends_with(base, ".jsonl") || ends_with(base, ".ndjson");
  json_file_ = ends_with(base, ".json");
  buf_.clear();
  pos_ = 0;
  eof_ = false;
  line_ = block_ = 0;
  open_ = true;
  return true;
}

bool DocumentReader::read_line(std::string& line) {
  line.clear();
  for (;;) {
    const size_t nl = buf_.find('\n', pos_);
    if (nl != std::string::npos) {
      line.append(buf_, pos_, nl - pos_);
      pos_ = nl + 1;
      ++line_;
      return true;
    }
    line.append(buf_, pos_, std::string::npos);
    buf_.clear();
    pos_ = 0;
    if (eof_) {
      if (line.empty()) return false;
      ++line_;
      return true;
    }
    buf_.resize(1 << 20);
    const size_t got = src_->read(buf_.data(), buf_.size());
    buf_.resize(got);
    if (got == 0) eof_ = true;
  }
}

bool DocumentReader::next_document(RawDocument& doc) {
  for (;;) {
    if (!open_ && !open_next_file()) return false;
    const std::string& path = files_[file_];
    doc.bytes.clear();
    bool found = false;
    if (json_) {
      std::string line;
      while (read_line(line)) {
        if (blank(line)) continue;
        doc.bytes = std::move(line);
        doc.json = true;
        doc.source = path + ":" + std::to_string(line_);
        found = true;
        break;
      }
    } else if (json_file_ || unit_ == TextUnit::file) {
      char tmp[1 << 16];
      for (size_t got; (got = src_->read(tmp, sizeof tmp)) > 0;) doc.bytes.append(tmp, got);
      eof_ = true;
      found = !blank(doc.bytes);
      doc.json = json_file_;
      doc.source = path;
      open_ = false;  // one document per file: the file is done
      bytes_done_ += sizes_[file_];
      ++file_;
      if (found) break;
      continue;
    } else {
      std::string line;
      while (read_line(line)) {
        if (blank(line)) {
          if (!doc.bytes.empty()) break;
          continue;
        }
        if (!doc.bytes.empty()) doc.bytes += '\n';
        doc.bytes += line;
      }
      if (!doc.bytes.empty()) {
        doc.json = false;
        doc.source = path + "#" + std::to_string(++block_);
        found = true;
      }
    }
    if (found) break;
    open_ = false;
    bytes_done_ += sizes_[file_];
    ++file_;
  }
  doc.index = next_index_++;
  return true;
}

bool DocumentReader::next_batch(std::vector<RawDocument>& out, size_t max_bytes) {
  size_t bytes = 0;
  bool any = false;
  RawDocument doc;
  while (bytes < max_bytes && next_document(doc)) {
    if (doc.index % shard_count_ != shard_index_) continue;
    bytes += doc.bytes.size();
    out.push_back(std::move(doc));
    doc = RawDocument{};
    any = true;
  }
  return any;
}

std::string json_text_field(const std::string& bytes, const std::string& source, const std::string& field) {
  auto j = nlohmann::json::parse(bytes, nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains(field) || !j[field].is_string())
    throw FormatError(source + ": expected a JSON object with a string field \"" + field + "\"");
  return j[field].get<std::string>();
}

std::vector<std::string> read_texts(const std::vector<std::string>& inputs, const std::string& field) {
  DocumentReader reader(inputs, TextUnit::file);
  std::vector<RawDocument> batch;
  std::vector<std::string> texts;
  while (reader.next_batch(batch, size_t(64) << 20)) {
    for (auto& d : batch) texts.push_back(d.json ? json_text_field(d.bytes, d.source, field) : std::move(d.bytes));
    batch.clear();
  }
  return texts;
}

}  // namespace lmf::data::pipeline
