#include "data/pipeline/words.h"

#include <xxhash.h>

#include <cctype>

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
  for (char c : text) {
    const unsigned char u = (unsigned char)c;
    if (u < 0x80 && (std::isspace(u) || std::ispunct(u))) {
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
