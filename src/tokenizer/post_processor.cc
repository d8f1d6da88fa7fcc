// tokenizer.json post-processors: the single-sequence template (see post_processor.h).
#include "tokenizer/post_processor.h"

#include <nlohmann/json.hpp>

#include "core/error.h"

namespace lmf::tok {
namespace {

using nlohmann::json;

struct Reader {
  const std::string& origin;
  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw FormatError(origin + ": " + where + ": " + what);
  }
};

TokenId id_of(const Reader& r, const json& v, const std::string& where) {
  if (!v.is_number_unsigned() || v.get<uint64_t>() > 0x7FFFFFFF) r.fail(where, "expected a token id");
  return v.get<TokenId>();
}

// ["[CLS]", 101] as BertProcessing and RobertaProcessing write cls and sep.
TokenId pair_id(const Reader& r, const json& node, const char* field, const std::string& where) {
  std::string w = where + "." + field;
  if (!node.contains(field) || !node[field].is_array() || node[field].size() != 2 || !node[field][0].is_string())
    r.fail(w, "expected [\"TOKEN\", ID]");
  return id_of(r, node[field][1], w + "[1]");
}

// The ids of one special-token piece of a template, from special_tokens.
std::vector<TokenId> special_ids(const Reader& r, const json& node, const std::string& name, const std::string& where,
                                 const std::string& base) {
  const json* st = node.contains("special_tokens") ? &node["special_tokens"] : nullptr;
  if (!st || !st->is_object() || !st->contains(name))
    r.fail(where, "special token '" + name + "' is not in special_tokens");
  const json& entry = (*st)[name];
  std::string w = base + ".special_tokens[\"" + name + "\"].ids";
  if (!entry.is_object() || !entry.contains("ids") || !entry["ids"].is_array()) r.fail(w, "missing or not an array");
  std::vector<TokenId> ids;
  for (size_t i = 0; i < entry["ids"].size(); ++i) ids.push_back(id_of(r, entry["ids"][i], w + "[" + std::to_string(i) + "]"));
  return ids;
}

SingleTemplate read_template(const Reader& r, const json& node, const std::string& where) {
  std::string w = where + ".single";
  if (!node.contains("single") || !node["single"].is_array()) r.fail(w, "missing or not an array");
  SingleTemplate t;
  int sequences = 0;
  for (size_t i = 0; i < node["single"].size(); ++i) {
    const json& p = node["single"][i];
    std::string pw = w + "[" + std::to_string(i) + "]";
    std::string special;
    bool sequence = false;
    if (p.is_string()) {
      std::string s = p.get<std::string>();
      if (auto colon = s.rfind(':'); colon != std::string::npos && colon > 0) s = s.substr(0, colon);  // "$A:0"
      if (!s.empty() && s[0] == '$') sequence = true;
      else special = s;
    } else if (p.is_object() && p.contains("Sequence")) {
      sequence = true;
    } else if (p.is_object() && p.contains("SpecialToken") && p["SpecialToken"].is_object() &&
               p["SpecialToken"].contains("id") && p["SpecialToken"]["id"].is_string()) {
      special = p["SpecialToken"]["id"].get<std::string>();
    } else {
      r.fail(pw, "expected {\"SpecialToken\": {\"id\": ...}} or {\"Sequence\": ...}");
    }
    if (sequence) {
      ++sequences;
      continue;
    }
    auto ids = special_ids(r, node, special, pw, where);
    auto& side = sequences ? t.suffix : t.prefix;
    side.insert(side.end(), ids.begin(), ids.end());
  }
  if (sequences != 1) r.fail(w, "expected exactly one sequence ($A) in the single template");
  return t;
}

SingleTemplate read(const Reader& r, const json& node, const std::string& where, bool strict) {
  if (node.is_null()) return {};
  if (!node.is_object() || !node.contains("type") || !node["type"].is_string()) r.fail(where, "expected an object with a type");
  std::string type = node["type"];
  if (type == "TemplateProcessing") return read_template(r, node, where);
  if (type == "BertProcessing" || type == "RobertaProcessing")
    return {{pair_id(r, node, "cls", where)}, {pair_id(r, node, "sep", where)}};
  if (type == "ByteLevel") return {};
  if (type == "Sequence") {
    if (!node.contains("processors") || !node["processors"].is_array()) r.fail(where + ".processors", "missing or not an array");
    SingleTemplate t;
    for (size_t i = 0; i < node["processors"].size(); ++i) {
      SingleTemplate inner = read(r, node["processors"][i], where + ".processors[" + std::to_string(i) + "]", strict);
      t.prefix.insert(t.prefix.begin(), inner.prefix.begin(), inner.prefix.end());
      t.suffix.insert(t.suffix.end(), inner.suffix.begin(), inner.suffix.end());
    }
    return t;
  }
  if (strict) r.fail(where, "post-processor type '" + type + "' is not supported");
  return {};
}

}  // namespace

SingleTemplate read_post_processor(const json& node, const std::string& origin, bool strict) {
  return read(Reader{origin}, node, "post_processor", strict);
}

}  // namespace lmf::tok
