// WordPiece trainer: the vocabulary equals that of a naive trainer written here from the
// description (recount every pair after each merge); exact size; deterministic across thread
// counts; the written tokenizer.json encodes as Hugging Face tokenizers does (npm
// @anush008/tokenizers) on Brown, the stress set and hard cases; `lmforge tokenizer train
// --model wordpiece`; clear errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>
#include <map>
#include <set>

#include "core/error.h"
#include "io/atomic_file.h"
#include "support/oracle.h"
#include "support/tokenizer_peers.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/wordpiece_trainer.h"

using namespace lmf;
using nlohmann::json;

namespace {

// The vocabulary (tokens by id) of a textbook WordPiece-by-BPE trainer on lowercase ASCII
// text of words separated by single spaces: special tokens, characters, "##" characters
// (each sorted), then merges of the most frequent pair (ties: the smaller pair of ids) into
// a + b without b's "##", recounting everything after each merge.
std::vector<std::string> naive_wordpiece(const std::vector<std::string>& lines, const std::vector<std::string>& specials,
                                         size_t vocab_size) {
  std::map<std::string, uint64_t> counts;
  for (const std::string& line : lines) {
    size_t start = 0;
    while (start <= line.size()) {
      size_t sp = line.find(' ', start);
      if (sp == std::string::npos) sp = line.size();
      if (sp > start) counts[line.substr(start, sp - start)]++;
      start = sp + 1;
    }
  }
  std::vector<std::string> vocab(specials);
  std::set<char> first, inner;
  for (auto& [w, n] : counts)
    for (size_t i = 0; i < w.size(); ++i) {
      first.insert(w[i]);
      if (i > 0) inner.insert(w[i]);
    }
  for (char c : first) vocab.push_back(std::string(1, c));
  for (char c : inner) vocab.push_back("##" + std::string(1, c));
  auto id_of = [&](const std::string& t) { return uint32_t(std::find(vocab.begin(), vocab.end(), t) - vocab.begin()); };
  std::vector<std::pair<std::vector<uint32_t>, uint64_t>> words;
  for (auto& [w, n] : counts) {
    std::vector<uint32_t> s;
    for (size_t i = 0; i < w.size(); ++i) s.push_back(id_of((i ? "##" : "") + std::string(1, w[i])));
    words.emplace_back(s, n);
  }
  while (vocab.size() < vocab_size) {
    std::map<std::pair<uint32_t, uint32_t>, uint64_t> pairs;
    for (auto& [s, n] : words)
      for (size_t i = 0; i + 1 < s.size(); ++i) pairs[{s[i], s[i + 1]}] += n;
    if (pairs.empty()) break;
    auto best = pairs.begin();
    for (auto it = pairs.begin(); it != pairs.end(); ++it)
      if (it->second > best->second) best = it;  // map order: the first of equal counts is the smaller pair
    if (best->second < 2) break;
    auto [a, b] = best->first;
    std::string right = vocab[b].substr(0, 2) == "##" ? vocab[b].substr(2) : vocab[b];
    std::string piece = vocab[a] + right;
    uint32_t c = id_of(piece);
    if (c == vocab.size()) vocab.push_back(piece);
    for (auto& [s, n] : words) {
      std::vector<uint32_t> m;
      for (size_t i = 0; i < s.size(); ++i) {
        if (i + 1 < s.size() && s[i] == a && s[i + 1] == b) m.push_back(c), ++i;
        else m.push_back(s[i]);
      }
      s = m;
    }
  }
  return vocab;
}

std::vector<std::string> vocab_of(const tok::Tokenizer& t) {
  std::vector<std::string> v;
  for (size_t id = 0; id < t.vocab_size(); ++id) v.push_back(t.token_bytes(TokenId(id)));
  return v;
}

// Lowercase words from the Brown corpus, letters only, one space between words.
std::vector<std::string> brown_letter_lines(size_t docs) {
  test::ensure_corpora();
  auto brown = test::corpus_texts("brown");
  std::vector<std::string> lines;
  for (size_t d = 0; d < docs && d < brown.size(); ++d) {
    std::string line;
    for (char c : brown[d]) {
      if (c >= 'A' && c <= 'Z') c = char(c + 32);
      if (c >= 'a' && c <= 'z') line.push_back(c);
      else if (c == '\n') lines.push_back(line), line.clear();
      else if (!line.empty() && line.back() != ' ') line.push_back(' ');
    }
    lines.push_back(line);
  }
  for (auto& l : lines)
    while (!l.empty() && l.back() == ' ') l.pop_back();
  return lines;
}

}  // namespace

TEST(WordPieceTrainer, VocabularyEqualsNaiveTrainer) {
  auto lines = brown_letter_lines(8);
  tok::WordPieceTrainerOptions opt;
  opt.vocab_size = 600;
  std::vector<std::string> texts;
  for (auto& l : lines) texts.push_back(l + "\n");
  auto tok = tok::train_wordpiece_texts(texts, opt);
  ASSERT_EQ(tok.vocab_size(), 600u);
  EXPECT_EQ(vocab_of(tok), naive_wordpiece(lines, opt.special_tokens, 600));
}

TEST(WordPieceTrainer, BertLayoutDeterministicAndSameAsHf) {
  test::ensure_corpora();
  auto brown = test::corpus_texts("brown");
  std::vector<std::string> train(brown.begin(), brown.begin() + 60);
  tok::WordPieceTrainerOptions opt;
  opt.vocab_size = 2500;
  opt.lowercase = false;
  opt.threads = 1;
  auto one = tok::train_wordpiece_texts(train, opt);
  opt.threads = 2;
  auto two = tok::train_wordpiece_texts(train, opt);
  EXPECT_EQ(one.to_hf_json(), two.to_hf_json());
  EXPECT_EQ(one.vocab_size(), 2500u);
  EXPECT_TRUE(one.is_wordpiece());
  EXPECT_EQ(one.token_id("[MASK]"), std::optional<TokenId>(4));
  EXPECT_EQ(one.single_prefix(), std::vector<TokenId>{2});  // [CLS]
  EXPECT_EQ(one.single_suffix(), std::vector<TokenId>{3});  // [SEP]

  // The peer reads the file and encodes as we do.
  std::string dir = test::temp_dir();
  one.save_json(dir + "/tokenizer.json");
  std::vector<std::string> texts(brown.begin() + 60, brown.begin() + 80);
  auto stress = test::corpus_texts("stress");
  texts.insert(texts.end(), stress.begin(), stress.end());
  texts.push_back("The [MASK] said: \"Ça va?\" [SEP]");
  std::string body;
  for (auto& t : texts) body += json({{"text", t}}).dump() + "\n";
  io::write_text_atomic(dir + "/texts.jsonl", body);
  test::run_node("hf_wordpiece.js", "'" + dir + "/tokenizer.json' '" + dir + "/texts.jsonl' '" + dir + "/hf.jsonl'");
  std::ifstream in(dir + "/hf.jsonl");
  std::string line;
  size_t i = 0;
  while (std::getline(in, line) && i < texts.size()) {
    json w = json::parse(line);
    auto ids = one.encode(texts[i], true);
    EXPECT_EQ(ids, w["ids"].get<std::vector<TokenId>>()) << "text " << i;
    EXPECT_EQ(one.decode(ids), w["decoded"].get<std::string>()) << "text " << i;
    ++i;
  }
  EXPECT_EQ(i, texts.size());
}

TEST(WordPieceTrainer, CommandAndErrors) {
  std::string dir = test::temp_dir();
  std::string text;
  for (auto& l : brown_letter_lines(5)) text += l + "\n";
  io::write_text_atomic(dir + "/a.txt", text);
  std::string out;
  std::string bin = LMFORGE_BINARY;
  ASSERT_EQ(test::run_command(bin + " tokenizer train --model wordpiece --input " + dir + "/a.txt --vocab-size 400 --out " +
                                  dir + "/tok",
                              &out),
            0)
      << out;
  auto tok = tok::Tokenizer::load(dir + "/tok");
  EXPECT_TRUE(tok.is_wordpiece());
  EXPECT_EQ(tok.vocab_size(), 400u);
  EXPECT_EQ(tok.decode(tok.encode("the jury said")), "the jury said");
  std::string err;
  EXPECT_EQ(test::run_command(bin + " tokenizer train --model wordpiece --pattern gpt2 --input " + dir +
                                  "/a.txt --vocab-size 400 --out " + dir + "/t2 2>&1",
                              &err),
            2);
  EXPECT_NE(err.find("--pattern applies to --model bpe only"), std::string::npos) << err;

  tok::WordPieceTrainerOptions opt;
  opt.special_tokens = {"[PAD]", "[CLS]"};
  EXPECT_THROW(tok::train_wordpiece_texts({"a b c"}, opt), Error);  // no [UNK]
  opt = {};
  opt.vocab_size = 8;
  try {
    tok::train_wordpiece_texts({"abc abd"}, opt);
    ADD_FAILURE() << "no error for a vocabulary smaller than the alphabet";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("smaller than the 5 special tokens"), std::string::npos) << e.what();
  }
  opt.vocab_size = 5000;
  try {
    tok::train_wordpiece_texts({"abc abd"}, opt);
    ADD_FAILURE() << "no error for a vocabulary larger than the corpus allows";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("the corpus allows only"), std::string::npos) << e.what();
  }
}
