// `lmforge data tokenize`: shards byte-identical to a tiktoken-based reference of the same
// procedure (tests/reference/tokenize_corpus.js), the files beside them, the
// single-document split, and bad input.
#include <gtest/gtest.h>

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "data/token_shard.h"
#include "data/tokenize_corpus.h"
#include "io/atomic_file.h"
#include "support/oracle.h"
#include "tokenizer/tokenizer.h"

using namespace lmf;
namespace fs = std::filesystem;

namespace {

std::vector<TokenId> ids_of(const std::string& path) {
  auto s = data::TokenShard::open(path);
  std::vector<TokenId> ids(s.size());
  for (size_t i = 0; i < s.size(); ++i) ids[i] = s[i];
  return ids;
}

void reference(const std::string& encoding, double fraction, const std::string& out, const std::string& inputs,
               bool allow_special = false) {
  fs::create_directories(out);
  std::string log;
  int rc = test::run_command("node " + test::source_path("tests/reference/tokenize_corpus.js") +
                                 (allow_special ? " --allow-special " : " ") + encoding + " " + std::to_string(fraction) +
                                 " " + out + " " + inputs + " 2>&1",
                             &log);
  ASSERT_EQ(rc, 0) << log;
}

}  // namespace

TEST(TokenizeCorpus, ShardsMatchTiktokenReference) {
  std::string dir = test::temp_dir();
  io::write_text_atomic(dir + "/a.txt", "The Fulton County Grand Jury said Friday an investigation...\n\nIt's 2024!");
  io::write_text_atomic(dir + "/empty.txt", "");
  io::write_text_atomic(dir + "/b.jsonl",
                        "{\"id\": 1, \"text\": \"caf\\u00e9 na\\u00efve \\ud83d\\ude00 emoji\"}\n"
                        "\n"
                        "{\"text\": \"a literal <|endoftext|> stays text\"}\n"
                        "{\"text\": \"   leading spaces\\n\\ttabs\"}\n"
                        "{\"text\": \"\\u4e2d\\u6587 \\u0440\\u0443\\u0441\\u0441\\u043a\\u0438\\u0439\"}\n"
                        "{\"text\": \"last one\"}");
  io::write_text_atomic(dir + "/c.txt", "third file, line one\nline two\n");
  const std::string inputs = dir + "/a.txt " + dir + "/empty.txt " + dir + "/b.jsonl " + dir + "/c.txt";
  for (auto [enc, spec] : {std::pair{"gpt2", "tiktoken:gpt2"}, std::pair{"cl100k_base", "tiktoken:cl100k_base"}}) {
    data::TokenizeCorpusOptions o;
    o.tokenizer = spec;
    o.inputs = {dir + "/a.txt", dir + "/empty.txt", dir + "/b.jsonl", dir + "/c.txt"};
    o.out_dir = dir + "/out-" + enc;
    o.val_fraction = 0.3;  // 7 documents -> 2 in val
    o.threads = 2;
    auto r = data::tokenize_corpus(o);
    reference(enc, 0.3, dir + "/ref-" + enc, inputs);
    EXPECT_EQ(io::read_file(o.out_dir + "/train.bin"), io::read_file(dir + "/ref-" + std::string(enc) + "/train.bin")) << enc;
    EXPECT_EQ(io::read_file(o.out_dir + "/val.bin"), io::read_file(dir + "/ref-" + std::string(enc) + "/val.bin")) << enc;
    EXPECT_EQ(r.documents, 7);
    EXPECT_EQ(r.val_documents, 2);
    EXPECT_EQ(data::TokenShard::open(o.out_dir + "/train.bin").version(), std::string(enc) == "gpt2" ? 1 : 2);

    auto meta = nlohmann::json::parse(io::read_file(o.out_dir + "/meta.json"));
    auto tok = tok::Tokenizer::load(o.out_dir);  // the copied tokenizer.json loads and encodes the same
    EXPECT_EQ(meta["vocab_size"], tok.vocab_size());
    EXPECT_EQ(meta["eot_id"], *tok.eot_id());
    EXPECT_EQ(meta["tokenizer"], spec);
    EXPECT_EQ(meta["train"]["tokens"], ids_of(o.out_dir + "/train.bin").size());
    EXPECT_EQ(meta["val"]["tokens"], r.val_tokens);
    EXPECT_EQ(meta["train"]["documents"], 5);
    auto val = ids_of(o.out_dir + "/val.bin");
    auto want = tok::Tokenizer::load(spec).encode("third file, line one\nline two\n");  // c.txt is last
    EXPECT_EQ(std::vector<TokenId>(val.end() - long(want.size()), val.end()), want);
    EXPECT_EQ(val.front(), *tok.eot_id());
  }
}

TEST(TokenizeCorpus, AllowSpecialEncodesSpecialTokensAsTheirIds) {
  std::string dir = test::temp_dir();
  io::write_text_atomic(dir + "/chat.jsonl",
                        "{\"text\": \"<|fim_prefix|>def f():<|fim_suffix|>\\n<|fim_middle|>  return 1<|endoftext|>\"}\n"
                        "{\"text\": \"plain text, then <|endofprompt|> and <|endoftext|>\"}\n");
  data::TokenizeCorpusOptions o;
  o.tokenizer = "tiktoken:cl100k_base";
  o.inputs = {dir + "/chat.jsonl"};
  o.out_dir = dir + "/out";
  o.val_fraction = 0.5;
  o.allow_special = true;
  data::tokenize_corpus(o);
  reference("cl100k_base", 0.5, dir + "/ref", dir + "/chat.jsonl", true);
  for (const char* f : {"/train.bin", "/val.bin"}) EXPECT_EQ(ids_of(o.out_dir + f), ids_of(dir + "/ref" + f)) << f;
  auto meta = nlohmann::json::parse(io::read_file(o.out_dir + "/meta.json"));
  EXPECT_EQ(meta["special_tokens_in_text"], "ids");
  const TokenId fim_prefix = 100258;  // cl100k_base's <|fim_prefix|>
  auto train = ids_of(o.out_dir + "/train.bin");
  EXPECT_EQ(train.at(1), fim_prefix);  // after the document's leading <|endoftext|>
}

TEST(TokenizeCorpus, OneDocumentIsSplitByTokensAndTokenizerFileIsCopied) {
  std::string dir = test::temp_dir();
  std::string text;
  for (int i = 0; i < 200; ++i) text += "word" + std::to_string(i) + " ";
  io::write_text_atomic(dir + "/one.txt", text);
  auto tok = tok::Tokenizer::load("tiktoken:gpt2");
  tok.save_json(dir + "/tokenizer.json");
  data::TokenizeCorpusOptions o;
  o.tokenizer = dir + "/tokenizer.json";
  o.inputs = {dir + "/one.txt"};
  o.out_dir = dir + "/out";
  o.val_fraction = 0.1;
  auto r = data::tokenize_corpus(o);
  auto ids = tok.encode(text);
  const size_t n_val = size_t(std::llround(0.1 * double(ids.size())));
  auto train = ids_of(o.out_dir + "/train.bin"), val = ids_of(o.out_dir + "/val.bin");
  ASSERT_EQ(train.size(), 1 + ids.size() - n_val);
  EXPECT_EQ(train[0], *tok.eot_id());
  EXPECT_EQ(std::vector<TokenId>(train.begin() + 1, train.end()), std::vector<TokenId>(ids.begin(), ids.end() - long(n_val)));
  EXPECT_EQ(val, std::vector<TokenId>(ids.end() - long(n_val), ids.end()));
  EXPECT_EQ(r.val_documents, 0);
  EXPECT_EQ(io::read_file(o.out_dir + "/tokenizer.json"), io::read_file(dir + "/tokenizer.json"));
}

TEST(TokenizeCorpus, BadInputIsAClearErrorAndWritesNothing) {
  std::string dir = test::temp_dir();
  io::write_text_atomic(dir + "/bad.jsonl", "{\"text\": \"ok\"}\n{\"txt\": \"no text field\"}\n");
  io::write_text_atomic(dir + "/broken.jsonl", "{\"text\": \"ok\"}\n\n{\"text\": \"unterminated}\n");
  data::TokenizeCorpusOptions o;
  o.tokenizer = "tiktoken:gpt2";
  o.out_dir = dir + "/out";
  auto expect_error = [&](const std::vector<std::string>& inputs, const std::string& needle) {
    o.inputs = inputs;
    try {
      data::tokenize_corpus(o);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error({dir + "/bad.jsonl"}, "bad.jsonl:2: expected a JSON object with a string field \"text\"");
  expect_error({dir + "/broken.jsonl"}, "broken.jsonl:3: not valid JSON");
  expect_error({dir + "/missing.txt"}, "missing.txt");
  io::write_text_atomic(dir + "/empty.txt", "");
  expect_error({dir + "/empty.txt"}, "no documents");
  EXPECT_FALSE(fs::exists(dir + "/out/train.bin"));
}

TEST(TokenizeCorpus, CommandLine) {
  std::string dir = test::temp_dir();
  io::write_text_atomic(dir + "/a.txt", "hello world");
  io::write_text_atomic(dir + "/b.txt", "second document");
  std::string out;
  int rc = test::run_command(std::string(LMFORGE_BINARY) + " data tokenize --tokenizer tiktoken:gpt2 --input " + dir +
                                 "/a.txt " + dir + "/b.txt --out " + dir + "/out --val-fraction 0.5 2>&1",
                             &out);
  ASSERT_EQ(rc, 0) << out;
  EXPECT_NE(out.find("2 documents"), std::string::npos) << out;
  auto tok = tok::Tokenizer::load("tiktoken:gpt2");
  std::vector<TokenId> want = {*tok.eot_id()};
  tok.encode_append("second document", false, want);
  EXPECT_EQ(ids_of(dir + "/out/val.bin"), want);
  rc = test::run_command(std::string(LMFORGE_BINARY) + " data tokenize --tokenizer tiktoken:nope --input " + dir +
                             "/a.txt --out " + dir + "/out2 2>&1",
                         &out);
  EXPECT_NE(rc, 0);
  EXPECT_FALSE(fs::exists(dir + "/out2/train.bin"));
}
