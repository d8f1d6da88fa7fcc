// Hugging Face tokenizer.json for byte-level BPE: loading (GPT-2 and Llama-3 style files)
// and writing. Files whose model is WordPiece go to hf_wordpiece_format.cc.
//
// Understood: model {type BPE, vocab, merges as "a b" strings or [a, b] pairs, ignore_merges};
// added_tokens; normalizer null; pre_tokenizer ByteLevel (use_regex: GPT-2's pattern),
// Split (Regex or String pattern, behavior Isolated) or a Sequence of these; decoder
// ByteLevel or null. post_processor: its single template is read where post_processor.h
// understands it (else none); encode never adds BOS/EOS. Anything else is a
// FormatError naming the file and the JSON field, never a silent misreading.
#include <nlohmann/json.hpp>

#include <algorithm>
#include <tuple>
#include <unordered_map>

#include "core/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/post_processor.h"
#include "tokenizer/tokenizer_impl.h"

namespace lmf::tok {
namespace {

using nlohmann::json;

struct Reader {
  const std::string& origin;
  [[noreturn]] void fail(const std::string& where, const std::string& what) const {
    throw FormatError(origin + ": " + where + ": " + what);
  }
};

// Adds the pretokenizer described by node to impl; returns true when it contains ByteLevel.
bool read_pretokenizer(const Reader& r, const json& node, const std::string& where, Tokenizer::Impl& impl) {
  if (node.is_null()) return false;
  if (!node.is_object() || !node.contains("type") || !node["type"].is_string()) r.fail(where, "expected an object with a type");
  std::string type = node["type"];
  if (type == "Sequence") {
    if (!node.contains("pretokenizers") || !node["pretokenizers"].is_array()) r.fail(where, "Sequence without pretokenizers");
    bool byte_level = false;
    for (size_t i = 0; i < node["pretokenizers"].size(); ++i)
      byte_level |= read_pretokenizer(r, node["pretokenizers"][i], where + ".pretokenizers[" + std::to_string(i) + "]", impl);
    return byte_level;
  }
  if (type == "ByteLevel") {
    if (node.value("add_prefix_space", false)) impl.add_prefix_space = true;
    if (node.value("use_regex", true)) impl.patterns.push_back(builtin_pattern("gpt2"));
    return true;
  }
  if (type == "Split") {
    std::string behavior = node.value("behavior", "");
    if (behavior != "Isolated") r.fail(where, "Split behavior '" + behavior + "' is not supported (only Isolated)");
    if (node.value("invert", false)) r.fail(where, "inverted Split is not supported");
    const json& pat = node.contains("pattern") ? node["pattern"] : json();
    if (pat.contains("Regex") && pat["Regex"].is_string()) {
      impl.patterns.push_back(pat["Regex"].get<std::string>());
    } else if (pat.contains("String") && pat["String"].is_string()) {
      // A literal split string: escaped so the regex matches it as is.
      std::string lit = pat["String"].get<std::string>(), esc = "\\Q" + lit + "\\E";
      if (lit.find("\\E") != std::string::npos) r.fail(where, "literal split pattern contains \\E");
      impl.patterns.push_back(esc);
    } else {
      r.fail(where, "Split needs pattern.Regex or pattern.String");
    }
    return false;
  }
  r.fail(where, "pre-tokenizer type '" + type + "' is not supported (byte-level BPE needs ByteLevel / Split)");
}

std::string token_of(const Reader& r, const json& v, const std::string& where) {
  if (!v.is_string()) r.fail(where, "expected a string");
  return v.get<std::string>();
}

}  // namespace

Tokenizer Tokenizer::from_hf_json(std::string_view text, const std::string& origin) {
  Reader r{origin};
  json j;
  try {
    j = json::parse(text);
  } catch (const json::parse_error& e) {
    throw FormatError(origin + ": malformed JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  }
  if (!j.is_object()) r.fail("top level", "expected a JSON object");
  if (!j.contains("model") || !j["model"].is_object()) r.fail("model", "missing");
  const json& m = j["model"];
  std::string mtype = m.value("type", "BPE");
  if (mtype == "WordPiece") return Tokenizer(read_hf_wordpiece(j, origin));
  if (mtype != "BPE") r.fail("model.type", "'" + mtype + "' is not supported (only byte-level BPE and WordPiece)");
  for (const char* f : {"continuing_subword_prefix", "end_of_word_suffix", "unk_token"})
    if (m.contains(f) && !m[f].is_null() && !(m[f].is_string() && m[f].get<std::string>().empty()))
      r.fail(std::string("model.") + f, "is not supported for byte-level BPE");
  if (m.value("byte_fallback", false)) r.fail("model.byte_fallback", "is not supported for byte-level BPE");
  if (m.contains("dropout") && !m["dropout"].is_null()) r.fail("model.dropout", "BPE dropout is not supported");
  if (j.contains("normalizer") && !j["normalizer"].is_null())
    r.fail("normalizer", "normalizers are not supported (byte-level BPE files have none)");
  if (j.contains("decoder") && !j["decoder"].is_null() && j["decoder"].value("type", "") != "ByteLevel")
    r.fail("decoder", "decoder type '" + j["decoder"].value("type", "?") + "' is not supported (only ByteLevel)");

  auto impl = make_impl();
  impl->name = origin;
  bool byte_level = read_pretokenizer(r, j.contains("pre_tokenizer") ? j["pre_tokenizer"] : json(), "pre_tokenizer", *impl);
  if (!byte_level) r.fail("pre_tokenizer", "no ByteLevel pre-tokenizer: not a byte-level BPE tokenizer");

  // Added tokens (read first: a vocab entry that is an added token is not a byte-level token).
  if (j.contains("added_tokens") && !j["added_tokens"].is_null()) {
    if (!j["added_tokens"].is_array()) r.fail("added_tokens", "not an array");
    for (size_t i = 0; i < j["added_tokens"].size(); ++i) {
      const json& t = j["added_tokens"][i];
      std::string where = "added_tokens[" + std::to_string(i) + "]";
      if (!t.is_object() || !t.contains("id") || !t["id"].is_number_unsigned() || !t.contains("content") ||
          !t["content"].is_string())
        r.fail(where, "needs an id and a content");
      for (const char* f : {"lstrip", "rstrip", "single_word"})
        if (t.value(f, false)) r.fail(where + "." + f, "is not supported");
      impl->specials.push_back({t["content"].get<std::string>(), t["id"].get<TokenId>(), t.value("special", true)});
    }
  }
  std::unordered_map<std::string, uint32_t> added_ids;
  for (auto& t : impl->specials) added_ids.emplace(t.content, t.id);

  // Vocabulary: byte-level strings -> bytes.
  if (!m.contains("vocab") || !m["vocab"].is_object()) r.fail("model.vocab", "missing or not an object");
  std::vector<std::string> tokens;
  std::string bytes;
  for (auto& [key, val] : m["vocab"].items()) {
    if (!val.is_number_unsigned() || val.get<uint64_t>() > 0x7FFFFFFF)
      r.fail("model.vocab[\"" + key + "\"]", "id is not a valid non-negative integer");
    uint32_t id = val.get<uint32_t>();
    if (auto it = added_ids.find(key); it != added_ids.end() && it->second == id) continue;
    if (!byte_level_decode(key, bytes))
      r.fail("model.vocab[\"" + key + "\"]", "token is not written in the byte-level alphabet");
    if (tokens.size() <= id) tokens.resize(size_t(id) + 1);
    if (!tokens[id].empty()) r.fail("model.vocab[\"" + key + "\"]", "id " + std::to_string(id) + " is used twice");
    tokens[id] = bytes;
  }
  impl->bpe = BpeModel::from_vocab(std::move(tokens), m.value("ignore_merges", false));

  // Merges: "a b" strings or [a, b] pairs, in rank order.
  if (!m.contains("merges") || !m["merges"].is_array()) r.fail("model.merges", "missing or not an array");
  const json& merges = m["merges"];
  std::string a, b, ab, bb;
  for (size_t i = 0; i < merges.size(); ++i) {
    std::string where = "model.merges[" + std::to_string(i) + "]";
    const json& e = merges[i];
    if (e.is_string()) {
      const std::string& s = e.get_ref<const std::string&>();
      size_t sp = s.find(' ');
      if (sp == std::string::npos || s.find(' ', sp + 1) != std::string::npos) r.fail(where, "expected \"A B\"");
      a = s.substr(0, sp);
      b = s.substr(sp + 1);
    } else if (e.is_array() && e.size() == 2) {
      a = token_of(r, e[0], where + "[0]");
      b = token_of(r, e[1], where + "[1]");
    } else {
      r.fail(where, "expected \"A B\" or [A, B]");
    }
    if (!byte_level_decode(a, ab) || !byte_level_decode(b, bb)) r.fail(where, "not in the byte-level alphabet");
    uint32_t ia = impl->bpe.find(ab), ib = impl->bpe.find(bb);
    if (ia == kNoToken || ib == kNoToken) r.fail(where, "'" + (ia == kNoToken ? a : b) + "' is not in the vocabulary");
    if (!impl->bpe.add_merge(ia, ib)) r.fail(where, "'" + a + b + "' is not in the vocabulary");
  }

  try {
    impl->finish();
  } catch (const FormatError&) {
    throw;
  } catch (const Error& e) {
    throw FormatError(origin + ": pre_tokenizer: " + e.what());
  }
  // The template is read where it can be; a byte-level file loads without one as before.
  SingleTemplate tpl;
  try {
    tpl = read_post_processor(j.contains("post_processor") ? j["post_processor"] : json(), origin, false);
  } catch (const FormatError&) {
  }
  auto valid = [&](TokenId id) { return size_t(id) < impl->id_bytes.size() && impl->id_bytes[size_t(id)]; };
  if (std::all_of(tpl.prefix.begin(), tpl.prefix.end(), valid) && std::all_of(tpl.suffix.begin(), tpl.suffix.end(), valid)) {
    impl->single_prefix = std::move(tpl.prefix);
    impl->single_suffix = std::move(tpl.suffix);
  }
  return Tokenizer(impl);
}

std::string Tokenizer::to_hf_json() const {
  const Impl& im = *impl_;
  if (im.wordpiece) return im.source_json;
  json j;
  j["version"] = "1.0";
  j["truncation"] = nullptr;
  j["padding"] = nullptr;
  json added = json::array();
  for (auto& s : im.specials)
    added.push_back({{"id", s.id}, {"content", s.content}, {"single_word", false}, {"lstrip", false},
                     {"rstrip", false}, {"normalized", false}, {"special", s.special}});
  j["added_tokens"] = added;
  j["normalizer"] = nullptr;
  json seq = json::array();
  for (auto& p : im.patterns)
    seq.push_back({{"type", "Split"}, {"pattern", {{"Regex", p}}}, {"behavior", "Isolated"}, {"invert", false}});
  seq.push_back({{"type", "ByteLevel"}, {"add_prefix_space", im.add_prefix_space}, {"trim_offsets", true}, {"use_regex", false}});
  j["pre_tokenizer"] = {{"type", "Sequence"}, {"pretokenizers", seq}};
  j["post_processor"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", false}, {"use_regex", true}};
  j["decoder"] = {{"type", "ByteLevel"}, {"add_prefix_space", true}, {"trim_offsets", true}, {"use_regex", true}};

  json vocab = json::object();
  for (size_t id = 0; id < im.bpe.size(); ++id)
    if (!im.bpe.bytes(uint32_t(id)).empty()) vocab[byte_level_encode(im.bpe.bytes(uint32_t(id)))] = id;
  // Special tokens are in the vocab too (as GPT-2's file has <|endoftext|>), so that readers
  // keep their ids even where ids have gaps (cl100k_base).
  for (auto& s : im.specials)
    if (!vocab.contains(s.content)) vocab[s.content] = s.id;
  // Merges in rank order (pairs of equal rank — tiktoken's splits of one token — by ids).
  std::vector<std::tuple<uint64_t, uint32_t, uint32_t>> order;
  order.reserve(im.bpe.merges().size());
  im.bpe.merges().for_each([&](uint32_t a, uint32_t b, uint64_t v) { order.emplace_back(v >> 32, a, b); });
  std::sort(order.begin(), order.end());
  json merges = json::array();
  for (auto& [rank, a, b] : order)
    merges.push_back(json::array({byte_level_encode(im.bpe.bytes(a)), byte_level_encode(im.bpe.bytes(b))}));
  j["model"] = {{"type", "BPE"},          {"dropout", nullptr},         {"unk_token", nullptr},
                {"continuing_subword_prefix", nullptr}, {"end_of_word_suffix", nullptr}, {"fuse_unk", false},
                {"byte_fallback", false}, {"ignore_merges", im.bpe.ignore_merges()}, {"vocab", vocab},
                {"merges", merges}};
  return j.dump(2, ' ', false, json::error_handler_t::strict) + "\n";
}

}  // namespace lmf::tok
