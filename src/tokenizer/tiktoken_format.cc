// Loads tiktoken encodings: the JSON files of the npm tiktoken package, whose "bpe_ranks"
// is a compact text form of the .tiktoken rank files: lines "! OFFSET TOKEN TOKEN ...", each
// TOKEN the base64 of a token's bytes, ranks counting up from OFFSET.
#include <nlohmann/json.hpp>

#include <map>
#include <mutex>

#include "core/error.h"
#include "tokenizer/builtin_encodings.h"
#include "tokenizer/tokenizer_impl.h"

namespace lmf::tok {
namespace {

int base64_value(unsigned char c) {
  if (c >= 'A' && c <= 'Z') return c - 'A';
  if (c >= 'a' && c <= 'z') return c - 'a' + 26;
  if (c >= '0' && c <= '9') return c - '0' + 52;
  if (c == '+') return 62;
  if (c == '/') return 63;
  return -1;
}

bool base64_decode(std::string_view in, std::string& out) {
  out.clear();
  uint32_t acc = 0;
  int bits = 0;
  size_t i = 0;
  for (; i < in.size() && in[i] != '='; ++i) {
    int v = base64_value(static_cast<unsigned char>(in[i]));
    if (v < 0) return false;
    acc = (acc << 6) | uint32_t(v);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += char((acc >> bits) & 0xFF);
    }
  }
  for (; i < in.size(); ++i)
    if (in[i] != '=') return false;
  return !out.empty();
}

}  // namespace

Tokenizer Tokenizer::from_tiktoken_json(std::string_view text, const std::string& origin) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(text);
  } catch (const nlohmann::json::parse_error& e) {
    throw FormatError(origin + ": malformed JSON at byte " + std::to_string(e.byte) + ": " + e.what());
  }
  if (!j.is_object() || !j.contains("pat_str") || !j.contains("bpe_ranks") || !j["pat_str"].is_string() ||
      !j["bpe_ranks"].is_string())
    throw FormatError(origin + ": not a tiktoken encoding (needs string fields pat_str and bpe_ranks)");
  auto impl = make_impl();
  impl->name = origin;
  impl->patterns = {j["pat_str"].get<std::string>()};

  const std::string& ranks = j["bpe_ranks"].get_ref<const std::string&>();
  std::vector<std::string> tokens;
  std::string bytes;
  size_t line_start = 0, line_no = 0;
  while (line_start < ranks.size()) {
    size_t line_end = ranks.find('\n', line_start);
    if (line_end == std::string::npos) line_end = ranks.size();
    std::string_view line(ranks.data() + line_start, line_end - line_start);
    ++line_no;
    auto bad = [&](const std::string& what) {
      return FormatError(origin + ": bpe_ranks line " + std::to_string(line_no) + ": " + what);
    };
    size_t p = 0, field = 0;
    uint64_t rank = 0;
    while (p <= line.size()) {
      size_t q = line.find(' ', p);
      if (q == std::string_view::npos) q = line.size();
      std::string_view f = line.substr(p, q - p);
      if (field == 0) {
        if (f != "!") throw bad("does not start with '!'");
      } else if (field == 1) {
        if (f.empty() || f.find_first_not_of("0123456789") != std::string_view::npos) throw bad("offset is not a number");
        rank = std::stoull(std::string(f));
        if (rank > 0xFFFFFF00ull) throw bad("offset too large");
      } else {
        if (!base64_decode(f, bytes)) throw bad("token " + std::to_string(field - 2) + " is not base64: '" + std::string(f) + "'");
        if (tokens.size() <= rank) tokens.resize(rank + 1);
        tokens[rank++] = bytes;
      }
      ++field;
      p = q + 1;
    }
    line_start = line_end + 1;
  }
  impl->bpe = BpeModel::from_ranks(std::move(tokens));
  if (j.contains("special_tokens")) {
    if (!j["special_tokens"].is_object()) throw FormatError(origin + ": special_tokens is not an object");
    for (auto& [content, id] : j["special_tokens"].items()) {
      if (!id.is_number_unsigned()) throw FormatError(origin + ": special token '" + content + "' has no valid id");
      impl->specials.push_back({content, id.get<TokenId>(), true});
    }
    std::sort(impl->specials.begin(), impl->specials.end(), [](auto& a, auto& b) { return a.id < b.id; });
  }
  impl->finish();
  if (j.contains("explicit_n_vocab") && j["explicit_n_vocab"].is_number_unsigned() &&
      j["explicit_n_vocab"].get<size_t>() != impl->id_bytes.size())
    throw FormatError(origin + ": explicit_n_vocab is " + std::to_string(j["explicit_n_vocab"].get<size_t>()) +
                      " but the ranks and special tokens give " + std::to_string(impl->id_bytes.size()));
  return Tokenizer(impl);
}

Tokenizer Tokenizer::from_tiktoken(const std::string& name) {
  // Loading a large encoding takes a while; each is built once per process and shared.
  static std::mutex mu;
  static std::map<std::string, Tokenizer> loaded;
  std::lock_guard<std::mutex> lock(mu);
  if (auto it = loaded.find(name); it != loaded.end()) return it->second;
  std::string_view json = builtin_tiktoken_json(name);
  if (json.empty()) {
    std::string known;
    for (auto& n : tiktoken_encoding_names()) known += (known.empty() ? "" : ", ") + n;
    throw Error("unknown tokenizer 'tiktoken:" + name + "' (known encodings: " + known + ")");
  }
  Tokenizer t = from_tiktoken_json(json, "tiktoken:" + name);
  loaded.emplace(name, t);
  return t;
}

const std::string& builtin_pattern(const std::string& name) {
  static const std::map<std::string, std::string> patterns = [] {
    auto pat = [](const char* enc) {
      return nlohmann::json::parse(builtin_tiktoken_json(enc))["pat_str"].get<std::string>();
    };
    // Llama-3's pretokenizer regex is cl100k_base's string (a test checks it against the
    // tokenizer.json that Llama-3 ships).
    return std::map<std::string, std::string>{
        {"gpt2", pat("gpt2")}, {"cl100k", pat("cl100k_base")}, {"o200k", pat("o200k_base")}, {"llama3", pat("cl100k_base")}};
  }();
  auto it = patterns.find(name);
  if (it == patterns.end()) throw Error("unknown pattern '" + name + "' (known: gpt2, cl100k, o200k, llama3)");
  return it->second;
}

std::vector<std::string> builtin_pattern_names() { return {"gpt2", "cl100k", "o200k", "llama3"}; }

}  // namespace lmf::tok
