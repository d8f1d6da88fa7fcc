#include "tokenizer/byte_level.h"

#include <array>
#include <cstdint>

#include "core/utf8.h"

namespace lmf::tok {
namespace {

struct Alphabet {
  std::array<std::string, 256> chars;
  std::array<int16_t, 324> byte_of_cp;  // code points used are below 0x144
  Alphabet() {
    byte_of_cp.fill(-1);
    uint32_t next = 256;
    for (int b = 0; b < 256; ++b) {
      bool printable = (b >= '!' && b <= '~') || (b >= 0xA1 && b <= 0xAC) || (b >= 0xAE && b <= 0xFF);
      uint32_t cp = printable ? uint32_t(b) : next++;
      utf8_append(chars[b], cp);
      byte_of_cp[cp] = int16_t(b);
    }
  }
};

const Alphabet& alphabet() {
  static const Alphabet a;
  return a;
}

}  // namespace

const std::string& byte_level_char(unsigned char b) { return alphabet().chars[b]; }

std::string byte_level_encode(std::string_view bytes) {
  const auto& a = alphabet();
  std::string out;
  out.reserve(bytes.size() * 2);
  for (unsigned char b : bytes) out += a.chars[b];
  return out;
}

bool byte_level_decode(std::string_view s, std::string& out) {
  const auto& a = alphabet();
  out.clear();
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0;
  while (i < s.size()) {
    uint32_t cp;
    if (p[i] < 0x80) {
      cp = p[i];
      i += 1;
    } else if ((p[i] & 0xE0) == 0xC0 && i + 1 < s.size()) {
      cp = (uint32_t(p[i] & 0x1F) << 6) | (p[i + 1] & 0x3F);
      i += 2;
    } else {
      return false;
    }
    if (cp >= a.byte_of_cp.size() || a.byte_of_cp[cp] < 0) return false;
    out += char(a.byte_of_cp[cp]);
  }
  return true;
}

}  // namespace lmf::tok
