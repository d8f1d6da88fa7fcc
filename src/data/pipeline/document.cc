#include "data/pipeline/document.h"

#include <xxhash.h>

#include <string_view>

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
