// Hugging Face tokenizer.json with a WordPiece model (BERT's layout): reading.
//
// Understood: model {type WordPiece, vocab, unk_token, continuing_subword_prefix,
// max_input_chars_per_word}; added_tokens with their single_word / lstrip / rstrip /
// normalized / special flags; normalizer null, BertNormalizer, Lowercase, NFD, NFKD, NFC,
// NFKC, StripAccents, Strip or a Sequence of these; pre_tokenizer null, BertPreTokenizer,
// WhitespaceSplit, Whitespace, Punctuation (behavior Isolated) or a Sequence of these;
// decoder null or WordPiece; post_processor as post_processor.h reads it; truncation and
// padding null. Anything else is a FormatError naming the file and the JSON field.
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/wordpiece_pipeline.h"

namespace lmf::tok {
namespace {

using nlohmann::json;

struct Reader {
  const std::string& origin;
  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw FormatError(origin + ": " + where + ": " + what);
  }
  bool flag(const json& node, const char* field, bool fallback, const std::string& where) const {
    if (!node.contains(field) || node[field].is_null()) return fallback;
    if (!node[field].is_boolean()) fail(where + "." + field, "expected true or false");
    return node[field].get<bool>();
  }
  std::string text(const json& node, const char* field, const std::string& fallback, const std::string& where) const {
    if (!node.contains(field) || node[field].is_null()) return fallback;
    if (!node[field].is_string()) fail(where + "." + field, "expected a string");
    return node[field].get<std::string>();
  }
  std::string type(const json& node, const std::string& where) const {
    if (!node.is_object() || !node.contains("type") || !node["type"].is_string()) fail(where, "expected an object with a type");
    return node["type"].get<std::string>();
  }
};

void read_normalizer(const Reader& r, const json& node, const std::string& where, Normalizer& out) {
  if (node.is_null()) return;
  std::string type = r.type(node, where);
  using S = Normalizer::Step;
  if (type == "Sequence") {
    if (!node.contains("normalizers") || !node["normalizers"].is_array()) r.fail(where + ".normalizers", "missing or not an array");
    for (size_t i = 0; i < node["normalizers"].size(); ++i)
      read_normalizer(r, node["normalizers"][i], where + ".normalizers[" + std::to_string(i) + "]", out);
  } else if (type == "BertNormalizer") {
    bool lower = r.flag(node, "lowercase", true, where);
    out.add_bert(r.flag(node, "clean_text", true, where), r.flag(node, "handle_chinese_chars", true, where),
                 r.flag(node, "strip_accents", lower, where), lower);
  } else if (type == "Lowercase") {
    out.add(S::kLowercase);
  } else if (type == "NFD") {
    out.add(S::kNfd);
  } else if (type == "NFKD") {
    out.add(S::kNfkd);
  } else if (type == "NFC") {
    out.add(S::kNfc);
  } else if (type == "NFKC") {
    out.add(S::kNfkc);
  } else if (type == "StripAccents") {
    out.add(S::kStripMarks);
  } else if (type == "Strip") {
    if (r.flag(node, "strip_left", true, where)) out.add(S::kStripLeft);
    if (r.flag(node, "strip_right", true, where)) out.add(S::kStripRight);
  } else {
    r.fail(where, "normalizer type '" + type + "' is not supported for WordPiece");
  }
}

void read_pre_tokenizer(const Reader& r, const json& node, const std::string& where, WordSplitter& out) {
  if (node.is_null()) return;
  std::string type = r.type(node, where);
  using S = WordSplitter::Step;
  if (type == "Sequence") {
    if (!node.contains("pretokenizers") || !node["pretokenizers"].is_array())
      r.fail(where + ".pretokenizers", "missing or not an array");
    for (size_t i = 0; i < node["pretokenizers"].size(); ++i)
      read_pre_tokenizer(r, node["pretokenizers"][i], where + ".pretokenizers[" + std::to_string(i) + "]", out);
  } else if (type == "BertPreTokenizer") {
    out.add(S::kBert);
  } else if (type == "WhitespaceSplit") {
    out.add(S::kWhitespaceSplit);
  } else if (type == "Whitespace") {
    out.add(S::kWhitespace);
  } else if (type == "Punctuation") {
    std::string behavior = r.text(node, "behavior", "Isolated", where);
    if (behavior != "Isolated") r.fail(where + ".behavior", "'" + behavior + "' is not supported (only Isolated)");
    out.add(S::kPunctuation);
  } else {
    r.fail(where, "pre-tokenizer type '" + type + "' is not supported for WordPiece");
  }
}

WordPieceDecoder read_decoder(const Reader& r, const json& node) {
  WordPieceDecoder d;
  if (node.is_null()) {
    d.present = false;
    return d;
  }
  std::string type = r.type(node, "decoder");
  if (type != "WordPiece") r.fail("decoder", "decoder type '" + type + "' is not supported (only WordPiece)");
  d.prefix = r.text(node, "prefix", "##", "decoder");
  d.cleanup = r.flag(node, "cleanup", true, "decoder");
  return d;
}

std::vector<AddedToken> read_added(const Reader& r, const json& j) {
  std::vector<AddedToken> out;
  if (!j.contains("added_tokens") || j["added_tokens"].is_null()) return out;
  if (!j["added_tokens"].is_array()) r.fail("added_tokens", "not an array");
  for (size_t i = 0; i < j["added_tokens"].size(); ++i) {
    const json& t = j["added_tokens"][i];
    std::string where = "added_tokens[" + std::to_string(i) + "]";
    if (!t.is_object() || !t.contains("id") || !t["id"].is_number_unsigned() || t["id"].get<uint64_t>() > 0x7FFFFFFF ||
        !t.contains("content") || !t["content"].is_string())
      r.fail(where, "needs an id and a content");
    AddedToken a;
    a.content = t["content"].get<std::string>();
    a.id = t["id"].get<TokenId>();
    a.special = r.flag(t, "special", false, where);
    a.single_word = r.flag(t, "single_word", false, where);
    a.lstrip = r.flag(t, "lstrip", false, where);
    a.rstrip = r.flag(t, "rstrip", false, where);
    a.normalized = r.flag(t, "normalized", !a.special, where);
    out.push_back(std::move(a));
  }
  return out;
}

}  // namespace

std::shared_ptr<Tokenizer::Impl> read_hf_wordpiece(const json& j, const std::string& origin) {
  Reader r{origin};
  const json& m = j["model"];
  for (const char* f : {"truncation", "padding"})
    if (j.contains(f) && !j[f].is_null()) r.fail(f, "is not supported (encode never truncates or pads)");

  if (!m.contains("vocab") || !m["vocab"].is_object()) r.fail("model.vocab", "missing or not an object");
  std::vector<std::string> tokens;
  for (auto& [key, val] : m["vocab"].items()) {
    std::string where = "model.vocab[\"" + key + "\"]";
    if (!val.is_number_unsigned() || val.get<uint64_t>() > 0x7FFFFFFF) r.fail(where, "id is not a valid non-negative integer");
    if (key.empty()) r.fail(where, "empty token");
    size_t id = val.get<size_t>();
    if (tokens.size() <= id) tokens.resize(id + 1);
    if (!tokens[id].empty()) r.fail(where, "id " + std::to_string(id) + " is also the token '" + tokens[id] + "'");
    tokens[id] = key;
  }
  std::string unk = r.text(m, "unk_token", "[UNK]", "model");
  std::string prefix = r.text(m, "continuing_subword_prefix", "##", "model");
  size_t max_chars = 100;
  if (m.contains("max_input_chars_per_word") && !m["max_input_chars_per_word"].is_null()) {
    if (!m["max_input_chars_per_word"].is_number_unsigned())
      r.fail("model.max_input_chars_per_word", "expected a non-negative integer");
    max_chars = m["max_input_chars_per_word"].get<size_t>();
  }

  Normalizer normalizer;
  read_normalizer(r, j.contains("normalizer") ? j["normalizer"] : json(), "normalizer", normalizer);
  WordSplitter splitter;
  read_pre_tokenizer(r, j.contains("pre_tokenizer") ? j["pre_tokenizer"] : json(), "pre_tokenizer", splitter);
  WordPieceDecoder decoder = read_decoder(r, j.contains("decoder") ? j["decoder"] : json());
  SingleTemplate tpl = read_post_processor(j.contains("post_processor") ? j["post_processor"] : json(), origin, true);
  std::vector<AddedToken> added = read_added(r, j);

  auto impl = make_impl();
  impl->name = origin;
  for (const AddedToken& a : added) impl->specials.push_back({a.content, a.id, a.special});
  try {
    impl->wordpiece = std::make_shared<WordPiecePipeline>(std::move(normalizer), std::move(splitter), std::move(tokens),
                                                          unk, std::move(prefix), max_chars, std::move(decoder),
                                                          std::move(added));
  } catch (const FormatError&) {
    throw;
  } catch (const Error& e) {
    r.fail("model.unk_token", e.what());
  }
  impl->single_prefix = std::move(tpl.prefix);
  impl->single_suffix = std::move(tpl.suffix);
  impl->source_json = j.dump(2, ' ', false, json::error_handler_t::strict) + "\n";
  impl->finish();
  for (TokenId id : impl->single_prefix)
    if (size_t(id) >= impl->id_bytes.size() || !impl->id_bytes[size_t(id)])
      r.fail("post_processor", "token id " + std::to_string(id) + " is not in the vocabulary");
  for (TokenId id : impl->single_suffix)
    if (size_t(id) >= impl->id_bytes.size() || !impl->id_bytes[size_t(id)])
      r.fail("post_processor", "token id " + std::to_string(id) + " is not in the vocabulary");
  return impl;
}

}  // namespace lmf::tok
