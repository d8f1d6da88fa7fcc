#include "data/pipeline/words.h"

#define XXH_INLINE_ALL  // the same hashes, without a library call per word
#include <xxhash.h>

#include <array>

namespace lmf::data::pipeline {

void word_hashes(std::string_view text, std::vector<uint64_t>& out) {
  out.clear();
  char buf[256];
  size_t len = 0;
  uint64_t long_hash = 0;
  bool long_word = false;
  auto flush = [&] {
    if (long_word) out.push_back(long_hash ^ XXH3_64bits(buf, len));
    else if (len) out.push_back(XXH3_64bits(buf, len));
    len = 0;
    long_word = false;
  };
  // ASCII whitespace and punctuation (isspace / ispunct in the C locale) separate words.
  static constexpr auto separator = [] {
    std::array<bool, 256> t{};
    for (int c = 0; c < 0x80; ++c)
      t[size_t(c)] = (c >= 9 && c <= 13) || c == ' ' || (c >= '!' && c <= '/') || (c >= ':' && c <= '@') ||
                     (c >= '[' && c <= '`') || (c >= '{' && c <= '~');
    return t;
  }();
  for (char c : text) {
    const unsigned char u = (unsigned char)c;
    if (separator[u]) {
      flush();
      continue;
    }
    if (len == sizeof buf) {  // very long words: fold the full buffer in
      long_hash = XXH3_64bits_withSeed(buf, len, long_hash);
      long_word = true;
      len = 0;
    }
    buf[len++] = (u >= 'A' && u <= 'Z') ? char(u + 32) : char(u);
  }
  flush();
}

}  // namespace lmf::data::pipeline
