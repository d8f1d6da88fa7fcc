// Ids identical to the npm tiktoken package (the Rust tiktoken compiled to WASM) for gpt2,
// cl100k_base and o200k_base on the Brown corpus, SpamAssassin e-mails (every 8th) and the
// stress set; decode gives the bytes back, and decode to UTF-8 matches tiktoken + TextDecoder.
#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include <fstream>

#include "support/oracle.h"
#include "support/tokenizer_peers.h"
#include "tokenizer/tokenizer.h"

using namespace lmf;

namespace {

void check_encoding(const std::string& encoding, const std::string& mode) {
  std::string dir = test::temp_dir();
  test::tiktoken_ids(encoding, mode, dir);
  auto tok = tok::Tokenizer::load("tiktoken:" + encoding);
  bool special = mode == "special";
  for (const auto& name : test::kCorpora) {
    auto texts = test::corpus_texts(name);
    ASSERT_FALSE(texts.empty()) << name;
    auto want = test::read_ids(dir + "/" + name + "." + encoding + "." + mode + ".ids");
    auto got = tok.encode_batch(texts, special);
    EXPECT_EQ(test::compare_ids(got, want, encoding + " " + mode + " on " + name), "");
    // Round trip: decode(encode(x)) == x, as bytes and as UTF-8 text.
    for (size_t d = 0; d < texts.size(); ++d) {
      ASSERT_EQ(tok.decode_bytes(got[d]), texts[d]) << name << " document " << d;
      ASSERT_EQ(tok.decode(got[d]), texts[d]) << name << " document " << d;
    }
    // Decoding a cut inside characters: replacement only where the cut falls.
    std::ifstream in(dir + "/" + name + "." + encoding + ".decoded.jsonl");
    std::string line;
    for (size_t d = 0; std::getline(in, line); ++d) {
      auto j = nlohmann::json::parse(line);
      const auto& ids = want[d];
      std::vector<TokenId> half(ids.begin(), ids.begin() + ids.size() / 2);
      ASSERT_EQ(tok.decode(half), j["half"].get<std::string>()) << name << " document " << d;
      for (size_t k = 0; k < j["tokens"].size(); ++k)
        ASSERT_EQ(tok.decode(std::span(&ids[k], 1)), j["tokens"][k].get<std::string>()) << name << " document " << d << " token " << k;
    }
  }
}

}  // namespace

TEST(TiktokenConformance, Gpt2) { check_encoding("gpt2", "ordinary"); }
TEST(TiktokenConformance, Cl100kBase) { check_encoding("cl100k_base", "ordinary"); }
TEST(TiktokenConformance, O200kBase) { check_encoding("o200k_base", "ordinary"); }
TEST(TiktokenConformance, Cl100kBaseAllowedSpecial) { check_encoding("cl100k_base", "special"); }
