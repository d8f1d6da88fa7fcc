// Tokenizer unit tests: UTF-8 decoding rules, byte-level alphabet, round trips on arbitrary
// bytes, special tokens, batch = sequential, and clear errors for bad input.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <random>

#include "core/error.h"
#include "io/atomic_file.h"
#include "support/oracle.h"
#include "tokenizer/byte_level.h"
#include "tokenizer/tokenizer.h"
#include "core/utf8.h"

using namespace lmf;

TEST(TokenizerUtf8, LossyReplacesMaximalSubpartsAsTheEncodingStandardSays) {
  // Examples from the Encoding Standard / Unicode "U+FFFD substitution of maximal subparts".
  const std::string R = "\xEF\xBF\xBD";
  EXPECT_EQ(utf8_lossy("abc"), "abc");
  EXPECT_EQ(utf8_lossy("a\xF0\x9F\x98"), "a" + R);           // truncated 4-byte: one
  EXPECT_EQ(utf8_lossy("\xC0\x80"), R + R);                  // C0 never starts a character
  EXPECT_EQ(utf8_lossy("\xED\xA0\x80"), R + R + R);          // surrogate: ED then A0 invalid
  EXPECT_EQ(utf8_lossy("\xE2\x82\xAC\xE2\x82"), "\xE2\x82\xAC" + R);
  EXPECT_EQ(utf8_lossy("\xF4\x90\x80\x80"), R + R + R + R);  // above U+10FFFF
  EXPECT_EQ(utf8_lossy("\x80\x80x"), R + R + "x");
  EXPECT_TRUE(utf8_valid("\xF0\x9F\x98\x80 \xE2\x82\xAC"));
  EXPECT_FALSE(utf8_valid("\xE0\x80\x80"));  // overlong
}

TEST(TokenizerByteLevel, AlphabetIsGpt2s) {
  // GPT-2's bytes_to_unicode: space -> U+0120 'Ġ', newline -> U+010A 'Ċ', 'a' -> 'a'.
  EXPECT_EQ(tok::byte_level_char(' '), "\xC4\xA0");
  EXPECT_EQ(tok::byte_level_char('\n'), "\xC4\x8A");
  EXPECT_EQ(tok::byte_level_char('a'), "a");
  std::string all, back;
  for (int b = 0; b < 256; ++b) all += char(b);
  ASSERT_TRUE(tok::byte_level_decode(tok::byte_level_encode(all), back));
  EXPECT_EQ(back, all);
  EXPECT_FALSE(tok::byte_level_decode("\xE4\xB8\xAD", back));  // a CJK character is not in it
}

TEST(TokenizerRoundTrip, ArbitraryBytesIncludingInvalidUtf8) {
  std::mt19937 rng(7);
  auto tok = tok::Tokenizer::load("tiktoken:o200k_base");
  const char* pieces[] = {"a", " ", "\n", "\xF0\x9F\x98\x80", "\xE4\xB8\xAD", "\xC3", "\x80", "\xFF", "'s", "1", "\t"};
  for (int trial = 0; trial < 200; ++trial) {
    std::string s;
    int n = int(rng() % 60);
    for (int i = 0; i < n; ++i) s += rng() % 4 ? pieces[rng() % 11] : std::string(1, char(rng() % 256));
    auto ids = tok.encode(s);
    ASSERT_EQ(tok.decode_bytes(ids), s) << trial;
    ASSERT_EQ(tok.decode(ids), utf8_lossy(s)) << trial;
  }
}

TEST(TokenizerSpecial, AllowedSetVersusPlainText) {
  auto tok = tok::Tokenizer::load("tiktoken:cl100k_base");
  std::string text = "a<|endoftext|>b<|fim_prefix|>";
  auto plain = tok.encode(text);
  auto special = tok.encode(text, true);
  ASSERT_EQ(special.size(), 4u);
  EXPECT_EQ(special[1], 100257u);  // tiktoken's special_tokens in cl100k_base.json
  EXPECT_EQ(special[3], 100258u);
  EXPECT_EQ(std::count(plain.begin(), plain.end(), 100257u), 0);
  EXPECT_EQ(tok.decode_bytes(plain), text);
  EXPECT_EQ(tok.decode_bytes(special), text);
  EXPECT_EQ(tok.eot_id(), std::optional<TokenId>(100257));
  EXPECT_EQ(tok.encode_ordinary(text), plain);
}

TEST(TokenizerBatch, ParallelEqualsSequential) {
  auto tok = tok::Tokenizer::load("tiktoken:gpt2");
  std::vector<std::string> docs;
  for (int i = 0; i < 300; ++i) docs.push_back("document " + std::to_string(i) + std::string(size_t(i % 7), ' ') + "héllo wörld\n");
  auto batch = tok.encode_batch(docs, false, 2);
  ASSERT_EQ(batch.size(), docs.size());
  for (size_t i = 0; i < docs.size(); ++i) EXPECT_EQ(batch[i], tok.encode(docs[i]));
}

namespace {

// Expects load(path) of content to throw a FormatError whose message holds the file name and needle.
void expect_load_error(const std::string& content, const std::string& needle) {
  std::string dir = test::temp_dir();
  std::string path = dir + "/tokenizer.json";
  io::write_text_atomic(path, content);
  try {
    tok::Tokenizer::load(path);
    FAIL() << "no error for " << needle;
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find(path), std::string::npos) << e.what();
  }
}

std::string tiny_json(const std::string& vocab, const std::string& merges, const std::string& extra = "") {
  return R"({"added_tokens": [], "normalizer": null, "pre_tokenizer": {"type": "ByteLevel", "add_prefix_space": false, "use_regex": true},)" +
         extra + R"( "decoder": {"type": "ByteLevel"}, "model": {"type": "BPE", "vocab": )" + vocab + R"(, "merges": )" + merges + "}}";
}

}  // namespace

TEST(TokenizerErrors, MalformedTokenizerJsonNamesFileAndPosition) {
  expect_load_error("{\"model\": {\"type\": \"BPE\",, }", "malformed JSON at byte 26");
  expect_load_error(tiny_json(R"({"a": 0, "b": 1, "ab": 2})", R"(["a c"])"), "model.merges[0]");
  expect_load_error(tiny_json(R"({"a": 0, "b": 1, "ab": 2})", R"(["a"])"), "model.merges[0]");
  expect_load_error(tiny_json(R"({"a": 0, "中": 1})", R"([])"), "model.vocab[\"中\"]");
  expect_load_error(tiny_json(R"({"a": 0, "b": 0})", R"([])"), "used twice");
  expect_load_error(tiny_json(R"({"a": 0})", R"([])", R"( "normalizer": {"type": "NFC"},)"), "normalizer");
  expect_load_error(R"({"model": {"type": "Unigram", "vocab": []}})", "model.type");
  std::string ok = tiny_json(R"({"a": 0, "b": 1, "ab": 2})", R"(["a b"])");
  auto j = nlohmann::json::parse(ok);
  j["pre_tokenizer"] = {{"type", "Split"}, {"pattern", {{"Regex", "(?<bad"}}}, {"behavior", "Isolated"}};
  expect_load_error(j.dump(), "pre_tokenizer");  // only Split, no ByteLevel
  j["pre_tokenizer"] = {{"type", "Sequence"},
                        {"pretokenizers", {{{"type", "Split"}, {"pattern", {{"Regex", "(?<bad"}}}, {"behavior", "Isolated"}},
                                           {{"type", "ByteLevel"}, {"use_regex", false}}}}};
  expect_load_error(j.dump(), "invalid pretokenizer pattern");
}

TEST(TokenizerErrors, UnknownSpecAndBadIds) {
  EXPECT_THROW(tok::Tokenizer::load("tiktoken:nope"), Error);
  EXPECT_THROW(tok::Tokenizer::load("/nonexistent/dir/tokenizer.json"), FormatError);
  std::string dir = test::temp_dir();
  EXPECT_THROW(tok::Tokenizer::load(dir), FormatError);  // a directory without tokenizer.json
  auto tok = tok::Tokenizer::load("tiktoken:cl100k_base");
  try {
    tok.decode(std::vector<TokenId>{1, 2, 100256});  // a gap in cl100k_base's ids
    FAIL();
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("at position 2"), std::string::npos) << e.what();
  }
  EXPECT_THROW(tok.decode(std::vector<TokenId>{TokenId(tok.vocab_size())}), Error);
}

TEST(TokenizerLoad, TiktokenEncodingsHaveTheirShippedSizes) {
  // explicit_n_vocab in the shipped JSON where given; else max id + 1.
  EXPECT_EQ(tok::Tokenizer::load("tiktoken:gpt2").vocab_size(), 50257u);
  EXPECT_EQ(tok::Tokenizer::load("tiktoken:r50k_base").vocab_size(), 50257u);
  EXPECT_EQ(tok::Tokenizer::load("tiktoken:p50k_base").vocab_size(), 50281u);
  EXPECT_EQ(tok::Tokenizer::load("tiktoken:p50k_edit").vocab_size(), 50284u);
  EXPECT_EQ(tok::Tokenizer::load("tiktoken:cl100k_base").vocab_size(), 100277u);
  EXPECT_EQ(tok::Tokenizer::load("tiktoken:o200k_base").vocab_size(), 200019u);
}
