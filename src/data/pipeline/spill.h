// Documents carried between the passes of a pipeline with a corpus-wide stage (dedup): the
// documents that reach the stage are spilled to a file while it observes them, and read back
// for the next pass once it has decided. A spill is a private, temporary file of binary
// records, one per document:
//   u64 payload size, then the payload: i64 index, source, u64 1 when the text is the one
//   the line holds (decoded from it on reading) or 0 followed by the text, line (the JSONL
//   line as read, or empty), u64 line_text_hash, u64 text_begin, u64 text_end, record
//   (the input object as JSON when there is no line, else empty), fields (the stages'
//   output fields as JSON, or empty); each string is a u64 length and its bytes.
// The input object stays in the line until an output needs it, so large documents are
// neither escaped nor parsed again between passes.
#pragma once
#include <memory>
#include <string>
#include <string_view>

#include "data/pipeline/document.h"
#include "data/pipeline/reader.h"

namespace lmf::data::pipeline {

// The record of `d`, size prefix included.
std::string spill_record(const Document& d);
// Restores a document from a payload (without the size prefix); FormatError on a torn one.
void unspill(std::string_view payload, Document& d);

class SpillReader {
 public:
  explicit SpillReader(const std::string& path);
  // The next payload into `out`; false at the end. FormatError on a truncated file.
  bool next(std::string& out);
  uint64_t consumed() const { return src_->consumed(); }

 private:
  bool fill(size_t n);  // at least n unread bytes in buf_, false when the file ends first
  std::string path_;
  std::unique_ptr<ByteSource> src_;
  std::string buf_;
  size_t pos_ = 0;
};

}  // namespace lmf::data::pipeline
