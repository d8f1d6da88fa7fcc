// Streaming reader of pipeline input: the documents of files and folders, in order, a
// batch at a time, so memory stays bounded by the batch size whatever the corpus size.
//
// Inputs: files or folders (walked recursively in sorted path order, hidden entries
// skipped). A ".gz" or ".zst" suffix means gzip or zstd compression. After removing it, a
// name ending in ".jsonl" or ".ndjson" is JSONL: each non-blank line is one document, a
// JSON object whose `text_field` is the text (other fields are kept); a ".json" file is one
// such object, one document. Any other file is
// plain text: the whole file is one document (TextUnit::file) or each block of lines
// separated by blank lines is one (TextUnit::paragraph); blank documents are skipped.
//
// Every document gets its index in the whole input (counting from 0 across all files),
// before sharding: with shard (i, n) only documents whose index % n == i are returned,
// so n processes each take a disjoint slice and together see everything.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lmf::data::pipeline {

enum class TextUnit { file, paragraph };

// One document as read, before parsing: a JSONL line or a block of text.
struct RawDocument {
  std::string bytes;
  bool json = false;
  std::string source;  // "FILE:LINE", "FILE" or "FILE#BLOCK"
  int64_t index = 0;
};

// Reads compressed or plain bytes: gzip (zlib), zstd, or as is. FormatError names the file.
class ByteSource {
 public:
  static std::unique_ptr<ByteSource> open(const std::string& path);
  virtual ~ByteSource() = default;
  // Up to n bytes into buf; 0 at the end.
  virtual size_t read(char* buf, size_t n) = 0;
  // Bytes of the file (compressed, as stored) consumed so far.
  virtual uint64_t consumed() const = 0;
};

// All input files under the given paths, in reading order; files found in folders are kept
// only when their name ends with one of `extensions` (all when empty; files named directly
// are always read). FormatError for a path that does not exist.
std::vector<std::string> list_input_files(const std::vector<std::string>& paths,
                                          const std::vector<std::string>& extensions = {});

class DocumentReader {
 public:
  DocumentReader(std::vector<std::string> paths, TextUnit unit, int shard_index = 0, int shard_count = 1,
                 const std::vector<std::string>& extensions = {});
  ~DocumentReader();
  // Appends documents to `out` until about max_bytes have been read or the input ends;
  // false when there is nothing left.
  bool next_batch(std::vector<RawDocument>& out, size_t max_bytes);
  int64_t documents_seen() const { return next_index_; }  // before sharding
  // Progress through the input files as stored (compressed bytes for compressed files).
  uint64_t bytes_total() const { return bytes_total_; }
  uint64_t bytes_consumed() const;

 private:
  bool next_document(RawDocument& doc);  // false at the end of all input
  bool open_next_file();
  bool read_line(std::string& line);     // false at the end of the current file

  std::vector<std::string> files_;
  TextUnit unit_;
  int shard_index_, shard_count_;
  size_t file_ = 0;
  std::unique_ptr<ByteSource> src_;
  bool json_ = false, json_file_ = false, open_ = false;
  std::string buf_;
  size_t pos_ = 0;
  bool eof_ = false;
  int64_t line_ = 0, block_ = 0, next_index_ = 0;
  std::vector<uint64_t> sizes_;  // of files_
  uint64_t bytes_total_ = 0, bytes_done_ = 0;  // all files; files finished
};

// The string field `field` of a JSON document's bytes; FormatError naming `source` (the
// file and line) when they are not a JSON object with that field as a string.
std::string json_text_field(const std::string& bytes, const std::string& source, const std::string& field);

// The texts of every document in the inputs, in order: a JSONL document's string field
// `field` (json_text_field), a text file whole (TextUnit::file). Bytes as read (no UTF-8
// repair).
std::vector<std::string> read_texts(const std::vector<std::string>& inputs, const std::string& field);

}  // namespace lmf::data::pipeline
