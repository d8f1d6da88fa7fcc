// A document flowing through the data pipeline: its text, the input record it came from
// (a JSONL object whose other fields are kept and written back in their order, or nothing
// for plain text), where it came from, and the verdict of the stages.
//
// A document is kept until a stage sets `removed_by` and `reason`; it then goes to
// removed.jsonl with those two fields added and no later stage sees it. Stages may change
// `text` (normalize, pii, filter's C4 line rules) and add output fields to `fields`
// (scores, contamination hits), which are written after the record's own fields.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>

namespace lmf::data::pipeline {

struct Document {
  std::string text;
  nlohmann::ordered_json record;  // input object (text field rewritten on output); null for text, or when `line` holds it
  nlohmann::ordered_json fields;  // output fields added by stages (an object or null)
  std::string line;               // JSONL input: the line as read (UTF-8 repaired), written back when unchanged
  uint64_t line_text_hash = 0;    // xxh3 of the text as `line` holds it (decoded)
  size_t text_begin = 0, text_end = 0;  // the text's string literal in `line` ({0, 0}: unknown)
  std::string source;             // "FILE:LINE" (JSONL), "FILE" or "FILE#BLOCK" (text)
  int64_t index = -1;             // position in the whole input, before sharding
  std::string removed_by, reason, detail;  // verdict: removed when removed_by is not empty

  bool removed() const { return !removed_by.empty(); }
  void remove(const std::string& stage, const std::string& why, std::string more = {}) {
    removed_by = stage;
    reason = why;
    detail = std::move(more);
  }
};

// The output line (no newline) of a document. text_field names the text's field. Kept:
// the record with the text replaced and `fields` appended (a text input becomes
// {"text": ..., "source": ...}); removed: the record as read (its text as it came in) with
// `fields`, "stage", "reason" (and "detail") appended. A JSONL line that nothing changes is
// written back byte for byte (removed: with the verdict spliced in before its closing brace);
// "unchanged" means the text has the 64-bit xxh3 hash it was read with. A kept line whose
// text changed and that gains no fields gets the new text spliced in place of the old.
std::string document_to_jsonl(const Document& doc, const std::string& text_field);
// The hash kept in line_text_hash.
uint64_t text_hash(std::string_view text);

}  // namespace lmf::data::pipeline
