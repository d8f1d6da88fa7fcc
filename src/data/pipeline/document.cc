#include "data/pipeline/document.h"

#include <xxhash.h>

#include <string_view>

#include "core/utf8.h"
#include "data/pipeline/byte_masks.h"
#include "data/pipeline/json_field.h"

namespace lmf::data::pipeline {
namespace {

using json = nlohmann::ordered_json;

// `line` (a JSON object, as read) with the verdict's fields spliced in before its closing
// brace; false when that might not be exact (the line may already hold such a field).
bool splice_verdict(const Document& doc, std::string& out) {
  std::string_view l(doc.line);
  while (!l.empty() && (l.back() == ' ' || l.back() == '\t' || l.back() == '\r')) l.remove_suffix(1);
  if (l.empty() || l.back() != '}' || contains(l, "\"stage\"") || contains(l, "\"reason\"") || contains(l, "\"detail\""))
    return false;
  l.remove_suffix(1);
  out.reserve(l.size() + 64);
  out.assign(l);
  out += ",\"stage\":" + json(doc.removed_by).dump() + ",\"reason\":" + json(doc.reason).dump();
  if (!doc.detail.empty()) out += ",\"detail\":" + json(doc.detail).dump(-1, ' ', false, json::error_handler_t::replace);
  out += '}';
  return true;
}

// A kept JSONL line that gains fields: the record is parsed and written again (so the
// output is exactly what the full path below writes), but without its text, which is
// written straight into the result: the line with its text literal emptied is parsed, a
// marker takes the text's place and is replaced by the text once the record is written.
// False when that might not be exact (the marker occurs twice, the text is not valid UTF-8).
bool kept_with_fields(const Document& doc, const std::string& text_field, std::string& out) {
  if (doc.removed() || doc.line.empty() || !doc.record.is_null() || doc.text_end <= doc.text_begin ||
      !doc.fields.is_object() || !utf8_valid(doc.text))
    return false;
  static const std::string marker = "\x01lmforge text\x02", marker_json = json(marker).dump();
  std::string small(doc.line, 0, doc.text_begin);
  small += "\"\"";
  small.append(doc.line, doc.text_end);
  json record = json::parse(small, nullptr, false);
  if (!record.is_object()) return false;
  record[text_field] = marker;
  for (auto& [k, v] : doc.fields.items()) record[k] = v;
  const std::string dumped = record.dump(-1, ' ', false, json::error_handler_t::replace);
  const size_t at = dumped.find(marker_json);
  if (at == std::string::npos || dumped.find(marker_json, at + 1) != std::string::npos) return false;
  out.reserve(dumped.size() + doc.text.size() + 16);
  out.assign(dumped, 0, at);
  append_json_string(out, doc.text);
  out.append(dumped, at + marker_json.size());
  return true;
}

}  // namespace

uint64_t text_hash(std::string_view text) { return XXH3_64bits(text.data(), text.size()); }

std::string document_to_jsonl(const Document& doc, const std::string& text_field) {
  const bool as_read = !doc.line.empty() && !doc.fields.is_object();
  if (as_read && doc.removed()) {
    std::string out;
    if (splice_verdict(doc, out)) return out;
  }
  if (as_read && !doc.removed()) {
    if (text_hash(doc.text) == doc.line_text_hash) return doc.line;
    if (doc.text_end > doc.text_begin) {
      std::string out(doc.line, 0, doc.text_begin);
      append_json_string(out, doc.text);
      out.append(doc.line, doc.text_end);
      return out;
    }
  }
  if (std::string fast; kept_with_fields(doc, text_field, fast)) return fast;
  json out;
  const json& record = doc.record.is_null() && !doc.line.empty() ? json::parse(doc.line) : doc.record;
  if (record.is_object()) {
    out = record;
    if (!doc.removed()) out[text_field] = doc.text;
  } else {
    out[text_field] = doc.text;
    out["source"] = doc.source;
  }
  if (doc.fields.is_object())
    for (auto& [k, v] : doc.fields.items()) out[k] = v;
  if (doc.removed()) {
    out["stage"] = doc.removed_by;
    out["reason"] = doc.reason;
    if (!doc.detail.empty()) out["detail"] = doc.detail;
  }
  return out.dump(-1, ' ', false, json::error_handler_t::replace);
}

}  // namespace lmf::data::pipeline
