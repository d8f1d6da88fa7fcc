#include "data/pipeline/document.h"

#include <string_view>

namespace lmf::data::pipeline {
namespace {

using json = nlohmann::ordered_json;

// `line` (a JSON object, as read) with the verdict's fields spliced in before its closing
// brace; false when that cannot be done exactly (a field of the verdict already present).
bool splice_verdict(const Document& doc, std::string& out) {
  std::string_view l(doc.line);
  while (!l.empty() && (l.back() == ' ' || l.back() == '\t' || l.back() == '\r')) l.remove_suffix(1);
  if (l.empty() || l.back() != '}' || doc.record.contains("stage") || doc.record.contains("reason") ||
      doc.record.contains("detail"))
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

std::string document_to_jsonl(const Document& doc, const std::string& text_field) {
  const bool as_read = !doc.line.empty() && doc.record.is_object() && !doc.fields.is_object();
  if (as_read && doc.removed()) {
    std::string out;
    if (splice_verdict(doc, out)) return out;
  }
  if (as_read && !doc.removed()) {
    auto it = doc.record.find(text_field);
    if (it != doc.record.end() && it->is_string() && it->get_ref<const std::string&>() == doc.text) return doc.line;
  }
  json out;
  if (doc.record.is_object()) {
    out = doc.record;
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
