// BPE trainer: the merges equal those of a naive trainer that recounts every pair after each
// merge (the textbook algorithm, written here independently); exact vocabulary size;
// deterministic across thread counts; special tokens and min frequency; clear errors.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <map>

#include "core/error.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/pretokenizer.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/trainer.h"
#include "support/tokenizer_peers.h"

using namespace lmf;

namespace {

// Textbook BPE: count words (lines pretokenized), then repeatedly recount all adjacent pairs
// and merge the most frequent (ties: smaller pair of ids). Returns merges as byte strings.
std::vector<std::pair<std::string, std::string>> naive_bpe(const std::vector<std::string>& texts, const std::string& pattern,
                                                           size_t n_merges) {
  tok::Pretokenizer pre({std::make_shared<tok::Regex>(pattern)});
  std::map<std::string, uint64_t> counts;
  for (auto& t : texts) {
    size_t start = 0;
    while (start < t.size()) {
      size_t nl = t.find('\n', start);
      size_t end = nl == std::string::npos ? t.size() : nl + 1;
      std::string line = t.substr(start, end - start);
      std::vector<std::pair<uint32_t, uint32_t>> pieces;
      pre.split(line, pieces);
      for (auto [b, e] : pieces) counts[line.substr(b, e - b)]++;
      start = end;
    }
  }
  std::vector<std::string> bytes(256);
  for (int b = 0; b < 256; ++b) bytes[b] = std::string(1, char(b));
  std::vector<std::pair<std::vector<uint32_t>, uint64_t>> words;
  for (auto& [w, c] : counts) words.push_back({std::vector<uint32_t>(w.begin(), w.end()), c});
  for (auto& w : words)
    for (auto& s : w.first) s &= 0xFF;
  std::vector<std::pair<std::string, std::string>> merges;
  while (merges.size() < n_merges) {
    std::map<std::pair<uint32_t, uint32_t>, uint64_t> pairs;
    for (auto& [syms, c] : words)
      for (size_t i = 0; i + 1 < syms.size(); ++i) pairs[{syms[i], syms[i + 1]}] += c;
    std::pair<uint32_t, uint32_t> best{};
    uint64_t best_count = 0;
    for (auto& [p, c] : pairs)
      if (c > best_count) best = p, best_count = c;  // map order: the smaller pair wins ties
    if (best_count < 2) break;
    uint32_t id = uint32_t(bytes.size());
    bytes.push_back(bytes[best.first] + bytes[best.second]);
    merges.emplace_back(bytes[best.first], bytes[best.second]);
    for (auto& [syms, c] : words) {
      std::vector<uint32_t> out;
      for (size_t i = 0; i < syms.size(); ++i) {
        if (i + 1 < syms.size() && syms[i] == best.first && syms[i + 1] == best.second) out.push_back(id), ++i;
        else out.push_back(syms[i]);
      }
      syms = out;
    }
  }
  return merges;
}

std::vector<std::pair<std::string, std::string>> merges_of(const tok::Tokenizer& t) {
  auto j = nlohmann::json::parse(t.to_hf_json());
  std::vector<std::pair<std::string, std::string>> out;
  std::string a, b;
  for (auto& m : j["model"]["merges"]) {
    EXPECT_TRUE(tok::byte_level_decode(m[0].get<std::string>(), a));
    EXPECT_TRUE(tok::byte_level_decode(m[1].get<std::string>(), b));
    out.emplace_back(a, b);
  }
  return out;
}

std::vector<std::string> training_texts(size_t n) {
  test::ensure_corpora();
  auto brown = test::corpus_texts("brown");
  brown.resize(n);
  auto stress = test::corpus_texts("stress");
  brown.insert(brown.end(), stress.begin(), stress.end());
  return brown;
}

}  // namespace

TEST(BpeTrainer, MergesEqualNaiveRecountingTrainer) {
  auto texts = training_texts(12);
  for (const std::string name : {"cl100k", "gpt2"}) {
    tok::TrainerOptions opt;
    opt.vocab_size = 256 + 400;
    opt.pattern = tok::builtin_pattern(name);
    auto t = tok::train_bpe_texts(texts, opt);
    EXPECT_EQ(t.vocab_size(), 656u);
    EXPECT_EQ(merges_of(t), naive_bpe(texts, opt.pattern, 400)) << name;
  }
}

TEST(BpeTrainer, ExactSizeSpecialsDeterministic) {
  auto texts = training_texts(30);
  texts.push_back(std::string("x<|endoftext|>y<|endoftext|>z<|endoftext|>\n").append(2000, 'q'));
  tok::TrainerOptions opt;
  opt.vocab_size = 1000;
  opt.special_tokens = {"<|endoftext|>", "<|pad|>"};
  opt.threads = 1;
  auto one = tok::train_bpe_texts(texts, opt);
  opt.threads = 2;
  auto two = tok::train_bpe_texts(texts, opt);
  EXPECT_EQ(one.to_hf_json(), two.to_hf_json());
  EXPECT_EQ(one.vocab_size(), 1000u);
  EXPECT_EQ(one.token_id("<|endoftext|>"), std::optional<TokenId>(998));
  EXPECT_EQ(one.token_id("<|pad|>"), std::optional<TokenId>(999));
  EXPECT_EQ(one.token_bytes(65), "A");  // ids 0..255 are the bytes
  // Special tokens are cut out before counting: no merge spans "|>" + "y" etc.
  for (auto& [a, b] : merges_of(one)) EXPECT_EQ((a + b).find("|>y"), std::string::npos);
  EXPECT_EQ(one.encode("a<|pad|>b", true)[1], 999u);
}

TEST(BpeTrainer, ErrorsForImpossibleSizes) {
  std::vector<std::string> texts = {"ab ab ab ab cd\n"};
  tok::TrainerOptions opt;
  opt.vocab_size = 200;
  EXPECT_THROW(tok::train_bpe_texts(texts, opt), Error);  // below 256 + specials
  opt.vocab_size = 300;
  try {
    tok::train_bpe_texts(texts, opt);
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("allows only"), std::string::npos) << e.what();
  }
  opt.vocab_size = 257;
  opt.min_frequency = 5;  // "ab" occurs 4 times
  EXPECT_THROW(tok::train_bpe_texts(texts, opt), Error);
  opt.min_frequency = 4;
  EXPECT_EQ(tok::train_bpe_texts(texts, opt).vocab_size(), 257u);
  EXPECT_THROW(tok::train_bpe({"/nonexistent/corpus.txt"}, opt), FormatError);
}
