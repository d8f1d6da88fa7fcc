// Utf8Stream: turns token bytes arriving one token at a time into printable text, holding
// back a trailing incomplete UTF-8 sequence until the bytes that finish it arrive (a
// multi-byte character may be split across tokens). What it returns is always valid UTF-8:
// each maximal invalid subpart becomes U+FFFD, as tokenizer decode() does.
#pragma once
#include <string>

#include "core/utf8.h"

namespace lmf {

class Utf8Stream {
 public:
  // Appends bytes; returns the longest prefix of pending bytes that ends on a character
  // boundary, invalid sequences replaced.
  std::string push(const std::string& bytes) {
    pending_ += bytes;
    size_t n = pending_.size(), cut = n;
    // Look back at most 3 bytes for the lead byte of an unfinished sequence.
    for (size_t back = 1; back <= 3 && back <= n; ++back) {
      unsigned char c = static_cast<unsigned char>(pending_[n - back]);
      if ((c & 0xC0) == 0x80) continue;  // continuation byte
      size_t need = (c & 0xE0) == 0xC0 ? 2 : (c & 0xF0) == 0xE0 ? 3 : (c & 0xF8) == 0xF0 ? 4 : 1;
      if (need > back) cut = n - back;
      break;
    }
    std::string out = utf8_lossy(std::string_view(pending_).substr(0, cut));
    pending_.erase(0, cut);
    return out;
  }
  // The rest at the end of the stream (an unfinished sequence becomes U+FFFD).
  std::string flush() {
    std::string out = utf8_lossy(pending_);
    pending_.clear();
    return out;
  }

 private:
  std::string pending_;
};

}  // namespace lmf
