#include "data/pipeline/document.h"

namespace lmf::data::pipeline {

std::string document_to_jsonl(const Document& doc, const std::string& text_field) {
  nlohmann::ordered_json out;
  if (doc.record.is_object()) {
    out = doc.record;
    out[text_field] = doc.text;
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
  return out.dump(-1, ' ', false, nlohmann::ordered_json::error_handler_t::replace);
}

}  // namespace lmf::data::pipeline
