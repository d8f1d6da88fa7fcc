// The tokenizer commands as a user runs them: lmforge tokenize / detokenize / tokenizer train,
// their output formats, and errors that name file and position with a non-zero exit code.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "support/oracle.h"
#include "tokenizer/tokenizer.h"
#include "support/tokenizer_peers.h"

using namespace lmf;

namespace {

int lmforge(const std::string& args, std::string* out = nullptr) {
  return test::run_command(std::string(LMFORGE_BINARY) + " " + args, out);
}

std::string join_ids(const std::vector<TokenId>& ids) {
  std::string s;
  for (size_t i = 0; i < ids.size(); ++i) s += (i ? " " : "") + std::to_string(ids[i]);
  return s;
}

}  // namespace

TEST(TokenizerCli, TokenizeDetokenizeRoundTrip) {
  test::ensure_corpora();
  std::string dir = test::temp_dir();
  auto texts = test::corpus_texts("stress");
  std::string text;
  for (auto& t : texts) text += t + "\n";
  io::write_text_atomic(dir + "/in.txt", text);
  auto tok = tok::Tokenizer::load("tiktoken:o200k_base");
  std::string out;
  ASSERT_EQ(lmforge("tokenize --tokenizer tiktoken:o200k_base --input " + dir + "/in.txt", &out), 0);
  EXPECT_EQ(out, join_ids(tok.encode(text)) + "\n");  // one line, ids separated by single spaces
  io::write_text_atomic(dir + "/ids.txt", out);
  std::string back;
  ASSERT_EQ(lmforge("detokenize --tokenizer tiktoken:o200k_base < " + dir + "/ids.txt", &back), 0);
  EXPECT_EQ(back, text);
}

TEST(TokenizerCli, JsonlOneLinePerDocument) {
  test::ensure_corpora();
  std::string dir = test::temp_dir();
  std::string jsonl = test::corpus_dir() + "/stress.jsonl";
  auto texts = test::corpus_texts("stress");
  auto tok = tok::Tokenizer::load("tiktoken:cl100k_base");
  std::string out;
  ASSERT_EQ(lmforge("tokenize --tokenizer tiktoken:cl100k_base --jsonl --allow-special --input " + jsonl, &out), 0);
  std::string want;
  for (auto& t : texts) want += join_ids(tok.encode(t, true)) + "\n";
  EXPECT_EQ(out, want);
  io::write_text_atomic(dir + "/ids.txt", out);
  std::string back;
  ASSERT_EQ(lmforge("detokenize --tokenizer tiktoken:cl100k_base --jsonl --input " + dir + "/ids.txt", &back), 0);
  std::string lines;
  for (auto& t : texts) lines += nlohmann::json{{"text", t}}.dump() + "\n";
  EXPECT_EQ(back, lines);
}

TEST(TokenizerCli, TrainWritesTokenizerJsonOfExactSize) {
  test::ensure_corpora();
  std::string dir = test::temp_dir();
  auto brown = test::corpus_texts("brown");
  std::string a, b;
  for (size_t i = 0; i < 20; ++i) (i % 2 ? a : b) += brown[i];
  io::write_text_atomic(dir + "/a.txt", a);
  io::write_text_atomic(dir + "/b.txt", b);
  std::string out;
  ASSERT_EQ(lmforge("tokenizer train --input " + dir + "/a.txt " + dir + "/b.txt --vocab-size 700 --pattern o200k --special '<|endoftext|>' '[MASK]' '<|sep|>' --out " + dir + "/tok", &out), 0) << out;
  auto tok = tok::Tokenizer::load(dir + "/tok");
  EXPECT_EQ(tok.vocab_size(), 700u);
  EXPECT_EQ(tok.eot_id(), std::optional<TokenId>(697));
  EXPECT_EQ(tok.patterns(), std::vector<std::string>{tok::builtin_pattern("o200k")});
  std::string ids;
  io::write_text_atomic(dir + "/x.txt", "The jury said <|sep|> it [MASK]");
  ASSERT_EQ(lmforge("tokenize --tokenizer " + dir + "/tok --allow-special --input " + dir + "/x.txt", &ids), 0);
  EXPECT_NE(ids.find(" 699 "), std::string::npos) << ids;
  EXPECT_TRUE(ids.ends_with(" 698\n") || ids.ends_with(" 698")) << ids;  // "[MASK]" kept as written, brackets too
}

TEST(TokenizerCli, ErrorsNameFileAndPosition) {
  std::string dir = test::temp_dir();
  std::string out;
  auto expect_fail = [&](const std::string& args, const std::string& needle) {
    out.clear();
    int rc = lmforge(args + " 2>&1", &out);
    EXPECT_NE(rc, 0) << args;
    EXPECT_NE(out.find(needle), std::string::npos) << args << "\n" << out;
  };
  expect_fail("tokenize --tokenizer tiktoken:nope --input /dev/null", "unknown tokenizer 'tiktoken:nope'");
  expect_fail("tokenize --tokenizer " + dir + "/missing.json --input /dev/null", "unknown tokenizer");
  io::write_text_atomic(dir + "/bad.json", "{\"model\": [1, 2,");
  expect_fail("tokenize --tokenizer " + dir + "/bad.json --input /dev/null", dir + "/bad.json: malformed JSON at byte");
  expect_fail("tokenize --tokenizer tiktoken:gpt2 --input " + dir + "/none.txt", dir + "/none.txt");
  io::write_text_atomic(dir + "/docs.jsonl", "{\"text\": \"ok\"}\n{\"text\": 5}\n");
  expect_fail("tokenize --tokenizer tiktoken:gpt2 --jsonl --input " + dir + "/docs.jsonl", dir + "/docs.jsonl:2:");
  io::write_text_atomic(dir + "/ids.txt", "1 2 3\n4 50257 6\n");
  expect_fail("detokenize --tokenizer tiktoken:gpt2 --input " + dir + "/ids.txt", dir + "/ids.txt:2:3: token id 50257");
  io::write_text_atomic(dir + "/ids2.txt", "1 2x 3\n");
  expect_fail("detokenize --tokenizer tiktoken:gpt2 --input " + dir + "/ids2.txt", dir + "/ids2.txt:1:3: '2x'");
  expect_fail("tokenizer train --input " + dir + "/ids.txt --vocab-size 100 --out " + dir + "/t", "smaller than the 256");
  expect_fail("tokenizer train --input " + dir + "/ids.txt --vocab-size 300 --pattern nope --out " + dir + "/t", "--pattern");
  expect_fail("tokenize --input /dev/null", "--tokenizer");
}
