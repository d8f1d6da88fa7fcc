// WordPiece trainer (see wordpiece_trainer.h).
#include "tokenizer/wordpiece_trainer.h"

#include <nlohmann/json.hpp>
#include <omp.h>

#include <algorithm>
#include <map>
#include <unordered_map>

#include "core/error.h"
#include "core/threads.h"
#include "core/utf8.h"
#include "io/atomic_file.h"
#include "tokenizer/normalizer.h"
#include "tokenizer/tokenizer_impl.h"
#include "tokenizer/trainer.h"
#include "tokenizer/word_splitter.h"

namespace lmf::tok {
namespace {

using nlohmann::json;

// The bert-base layout around a vocabulary (tokens by id).
std::string bert_tokenizer_json(const std::vector<std::string>& tokens, const std::vector<std::string>& specials,
                                bool lowercase) {
  json added = json::array();
  for (const std::string& s : specials) {
    size_t id = size_t(std::find(tokens.begin(), tokens.end(), s) - tokens.begin());
    added.push_back({{"id", id}, {"content", s}, {"single_word", false}, {"lstrip", false}, {"rstrip", false},
                     {"normalized", false}, {"special", true}});
  }
  json vocab = json::object();
  for (size_t id = 0; id < tokens.size(); ++id) vocab[tokens[id]] = id;
  json j;
  j["version"] = "1.0";
  j["truncation"] = nullptr;
  j["padding"] = nullptr;
  j["added_tokens"] = added;
  j["normalizer"] = {{"type", "BertNormalizer"}, {"clean_text", true}, {"handle_chinese_chars", true},
                     {"strip_accents", nullptr}, {"lowercase", lowercase}};
  j["pre_tokenizer"] = {{"type", "BertPreTokenizer"}};
  auto has = [&](const char* s) { return std::find(specials.begin(), specials.end(), s) != specials.end(); };
  if (has("[CLS]") && has("[SEP]")) {
    auto special = [](const char* s, int type) { return json{{"SpecialToken", {{"id", s}, {"type_id", type}}}}; };
    auto sequence = [](const char* s, int type) { return json{{"Sequence", {{"id", s}, {"type_id", type}}}}; };
    auto entry = [&](const char* s) {
      size_t id = size_t(std::find(tokens.begin(), tokens.end(), s) - tokens.begin());
      return json{{"id", s}, {"ids", {id}}, {"tokens", {s}}};
    };
    j["post_processor"] = {
        {"type", "TemplateProcessing"},
        {"single", {special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0)}},
        {"pair", {special("[CLS]", 0), sequence("A", 0), special("[SEP]", 0), sequence("B", 1), special("[SEP]", 1)}},
        {"special_tokens", {{"[CLS]", entry("[CLS]")}, {"[SEP]", entry("[SEP]")}}}};
  } else {
    j["post_processor"] = nullptr;
  }
  j["decoder"] = {{"type", "WordPiece"}, {"prefix", "##"}, {"cleanup", true}};
  j["model"] = {{"type", "WordPiece"}, {"unk_token", "[UNK]"}, {"continuing_subword_prefix", "##"},
                {"max_input_chars_per_word", 100}, {"vocab", vocab}};
  return j.dump(2, ' ', false, json::error_handler_t::strict) + "\n";
}

// The characters of valid UTF-8 text.
std::vector<std::string> chars_of(std::string_view s) {
  std::vector<std::string> out;
  for (size_t i = 0; i < s.size();) {
    size_t n = std::max<size_t>(utf8_char_len(s, i), 1);
    out.emplace_back(s.substr(i, n));
    i += n;
  }
  return out;
}

}  // namespace

Tokenizer train_wordpiece_texts(const std::vector<std::string>& texts, const WordPieceTrainerOptions& opt) {
  const auto& specials = opt.special_tokens;
  for (size_t i = 0; i < specials.size(); ++i) {
    if (specials[i].empty()) throw Error("special token " + std::to_string(i) + " is empty");
    for (size_t k = 0; k < i; ++k)
      if (specials[k] == specials[i]) throw Error("special token '" + specials[i] + "' is given twice");
  }
  if (std::find(specials.begin(), specials.end(), "[UNK]") == specials.end())
    throw Error("a WordPiece vocabulary needs [UNK] among the special tokens");
  const int threads = opt.threads > 0 ? opt.threads : lmf::threads::get();

  // 1. Distinct words and their counts: lines in parallel, special tokens cut out.
  Normalizer normalizer;
  normalizer.add_bert(true, true, opt.lowercase, opt.lowercase);
  WordSplitter splitter;
  splitter.add(WordSplitter::Step::kBert);
  std::vector<SpecialToken> special_list;
  for (size_t i = 0; i < specials.size(); ++i) special_list.push_back({specials[i], TokenId(i), true});
  SpecialMatcher matcher;
  matcher.build(special_list);
  std::vector<std::string_view> lines;
  for (const std::string& t : texts)
    for (size_t start = 0; start < t.size();) {
      size_t nl = t.find('\n', start);
      size_t end = nl == std::string::npos ? t.size() : nl + 1;
      lines.emplace_back(t.data() + start, end - start);
      start = end;
    }
  std::vector<std::unordered_map<std::string, uint64_t>> counts(static_cast<size_t>(threads));
#pragma omp parallel num_threads(threads)
  {
    auto& mine = counts[size_t(omp_get_thread_num())];
    std::vector<std::pair<uint32_t, uint32_t>> words;
    auto count = [&](std::string_view raw) {
      std::string text = normalizer.apply(utf8_valid(raw) ? std::string(raw) : utf8_lossy(raw));
      words.clear();
      splitter.split(text, words);
      for (auto [b, e] : words) ++mine[text.substr(b, e - b)];
    };
#pragma omp for schedule(dynamic, 256)
    for (size_t l = 0; l < lines.size(); ++l) {
      size_t from = 0, pos, len, index;
      while (matcher.find(lines[l], from, pos, len, index)) {
        count(lines[l].substr(from, pos - from));
        from = pos + len;
      }
      count(lines[l].substr(from));
    }
  }
  std::map<std::string, uint64_t> word_counts;  // sorted: independent of hashing and threads
  for (auto& c : counts)
    for (auto& [w, n] : c) word_counts[w] += n;
  counts.clear();

  // 2. Initial vocabulary: special tokens, characters, "##" characters.
  std::vector<std::string> tokens(specials);
  std::unordered_map<std::string, uint32_t> ids;
  auto add = [&](const std::string& t) {
    auto [it, fresh] = ids.emplace(t, uint32_t(tokens.size()));
    if (fresh) tokens.push_back(t);
    return it->second;
  };
  for (const std::string& s : specials) ids.emplace(s, uint32_t(&s - specials.data()));
  std::map<uint32_t, std::string> initial, inner;  // by code point
  std::vector<MergeWord> words;
  std::vector<std::vector<std::string>> word_chars;
  for (auto& [w, n] : word_counts) {
    word_chars.push_back(chars_of(w));
    for (size_t i = 0; i < word_chars.back().size(); ++i) {
      uint32_t cp = 0;
      utf8_decode(word_chars.back()[i], 0, &cp);
      initial.emplace(cp, word_chars.back()[i]);
      if (i > 0) inner.emplace(cp, "##" + word_chars.back()[i]);
    }
  }
  for (auto& [cp, c] : initial) add(c);
  for (auto& [cp, c] : inner) add(c);
  if (tokens.size() > opt.vocab_size)
    throw Error("vocab size " + std::to_string(opt.vocab_size) + " is smaller than the " +
                std::to_string(specials.size()) + " special tokens and " + std::to_string(tokens.size() - specials.size()) +
                " characters of the corpus");
  size_t w = 0;
  for (auto& [word, n] : word_counts) {
    MergeWord mw{{}, n};
    const auto& cs = word_chars[w++];
    for (size_t i = 0; i < cs.size(); ++i) mw.syms.push_back(ids.at(i ? "##" + cs[i] : cs[i]));
    words.push_back(std::move(mw));
  }
  word_chars.clear();

  // 3. Merges: the piece a + b (b without "##") until the vocabulary is full.
  learn_merges(
      words, opt.min_frequency, [&](size_t) { return tokens.size() < opt.vocab_size; },
      [&](uint32_t a, uint32_t b, size_t) {
        const std::string& right = tokens[b];
        std::string piece = tokens[a] + (right.compare(0, 2, "##") == 0 ? right.substr(2) : right);
        return add(piece);
      });
  if (tokens.size() < opt.vocab_size)
    throw Error("the corpus allows only " + std::to_string(tokens.size()) + " tokens with min frequency " +
                std::to_string(opt.min_frequency) + " (asked for " + std::to_string(opt.vocab_size) +
                "); lower the vocab size or the min frequency");
  return Tokenizer::from_hf_json(bert_tokenizer_json(tokens, specials, opt.lowercase), "trained WordPiece");
}

Tokenizer train_wordpiece(const std::vector<std::string>& files, const WordPieceTrainerOptions& options) {
  std::vector<std::string> texts;
  for (auto& f : files) texts.push_back(io::read_file(f));
  return train_wordpiece_texts(texts, options);
}

}  // namespace lmf::tok
