// The word view of the n-gram stages (data/pipeline/words.h), against its definition
// written out byte by byte here: ASCII letters lower-cased, ASCII white space and
// punctuation separating words, each word's xxh3 (words over 256 bytes folded in 256-byte
// pieces into a seed that runs on through the text), on random texts whose words and separators fall anywhere in the 64-byte blocks
// the scan reads.
#include <gtest/gtest.h>
#include <xxhash.h>

#include <cctype>
#include <random>
#include <string>

#include "data/pipeline/words.h"

using namespace lmf::data::pipeline;

namespace {

std::vector<uint64_t> reference(const std::string& text) {
  std::vector<uint64_t> out;
  std::string word;
  uint64_t h = 0;
  auto flush = [&] {
    if (word.empty()) return;
    size_t at = 0;
    while (word.size() - at > 256) h = XXH3_64bits_withSeed(word.data() + at, 256, h), at += 256;
    out.push_back(at ? h ^ XXH3_64bits(word.data() + at, word.size() - at) : XXH3_64bits(word.data(), word.size()));
    word.clear();
  };
  for (unsigned char c : text) {
    if (c < 0x80 && (std::isspace(c) || std::ispunct(c))) flush();
    else word += char(c < 0x80 ? std::tolower(c) : c);
  }
  flush();
  return out;
}

}  // namespace

TEST(PipelineWords, HashesMatchTheDefinitionAnywhereInTheBlocks) {
  std::mt19937 rng(5);
  const std::string pieces[] = {" ", "\t", "\n", "\v", "\f", "\r", ".", ",", "'", "-", "_", "{", "~", "@", "`",
                                "\xC3\xA9", "\xE2\x80\x94", "0", "7", "\x7F", "\x01"};
  size_t long_words = 0;
  for (int t = 0; t < 400; ++t) {
    std::string text;
    const int n = int(rng() % 40);
    for (int w = 0; w < n; ++w) {
      const int len = int(rng() % 4 == 0 ? rng() % 700 : rng() % 12);
      for (int k = 0; k < len; ++k) text += rng() % 10 ? char((rng() % 2 ? 'a' : 'A') + rng() % 26) : pieces[15 + rng() % 6][0];
      long_words += len > 256;
      text += pieces[rng() % 21];
    }
    std::vector<uint64_t> got;
    word_hashes(text, got);
    ASSERT_EQ(got, reference(text)) << t;
  }
  EXPECT_GT(long_words, 50u);
}
