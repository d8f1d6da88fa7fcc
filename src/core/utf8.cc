#include "core/utf8.h"

#include <cstdint>

namespace lmf {

size_t utf8_char_len(std::string_view s, size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  unsigned c = p[i];
  if (c < 0x80) return 1;
  auto cont = [&](size_t k) { return i + k < n && (p[i + k] & 0xC0) == 0x80; };
  if (c >= 0xC2 && c <= 0xDF) return cont(1) ? 2 : 0;
  if (c >= 0xE0 && c <= 0xEF) {
    if (i + 1 >= n) return 0;
    unsigned c1 = p[i + 1];
    // E0 needs A0..BF (no overlongs); ED needs 80..9F (no surrogates).
    unsigned lo = c == 0xE0 ? 0xA0 : 0x80, hi = c == 0xED ? 0x9F : 0xBF;
    if (c1 < lo || c1 > hi) return 0;
    return cont(2) ? 3 : 0;
  }
  if (c >= 0xF0 && c <= 0xF4) {
    if (i + 1 >= n) return 0;
    unsigned c1 = p[i + 1];
    unsigned lo = c == 0xF0 ? 0x90 : 0x80, hi = c == 0xF4 ? 0x8F : 0xBF;
    if (c1 < lo || c1 > hi) return 0;
    return cont(2) && cont(3) ? 4 : 0;
  }
  return 0;
}

size_t utf8_decode(std::string_view s, size_t i, uint32_t* cp) {
  const size_t len = utf8_char_len(s, i);
  if (len == 0) return 0;
  const auto* p = reinterpret_cast<const unsigned char*>(s.data()) + i;
  static constexpr unsigned kLeadBits[5] = {0, 0x7F, 0x1F, 0x0F, 0x07};
  uint32_t v = p[0] & kLeadBits[len];
  for (size_t k = 1; k < len; ++k) v = v << 6 | (p[k] & 0x3F);
  *cp = v;
  return len;
}

size_t utf8_valid_prefix(std::string_view s) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t i = 0, n = s.size();
  while (i < n) {
    // ASCII fast path, 8 bytes at a time.
    while (i + 8 <= n) {
      uint64_t w;
      __builtin_memcpy(&w, p + i, 8);
      if (w & 0x8080808080808080ull) break;
      i += 8;
    }
    if (i >= n) break;
    if (p[i] < 0x80) {
      ++i;
      continue;
    }
    size_t len = utf8_char_len(s, i);
    if (len == 0) return i;
    i += len;
  }
  return n;
}

// The maximal invalid subpart at s[i]: the longest prefix of a valid sequence's shape that
// the bytes there follow (at least one byte).
static size_t invalid_subpart_len(std::string_view s, size_t i) {
  const auto* p = reinterpret_cast<const unsigned char*>(s.data());
  size_t n = s.size();
  unsigned c = p[i];
  size_t need;
  unsigned lo = 0x80, hi = 0xBF;
  if (c >= 0xC2 && c <= 0xDF) need = 1;
  else if (c >= 0xE0 && c <= 0xEF) {
    need = 2;
    if (c == 0xE0) lo = 0xA0;
    if (c == 0xED) hi = 0x9F;
  } else if (c >= 0xF0 && c <= 0xF4) {
    need = 3;
    if (c == 0xF0) lo = 0x90;
    if (c == 0xF4) hi = 0x8F;
  } else {
    return 1;
  }
  size_t k = 1;
  if (i + k < n && p[i + k] >= lo && p[i + k] <= hi) {
    ++k;
    while (k <= need && i + k < n && (p[i + k] & 0xC0) == 0x80) ++k;
  }
  return k;
}

std::string utf8_lossy(std::string_view s, size_t* replaced) {
  if (replaced) *replaced = 0;
  size_t valid = utf8_valid_prefix(s);
  if (valid == s.size()) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  size_t i = 0;
  while (i < s.size()) {
    size_t v = i + utf8_valid_prefix(s.substr(i));
    out.append(s.data() + i, v - i);
    i = v;
    if (i >= s.size()) break;
    out += "\xEF\xBF\xBD";
    if (replaced) ++*replaced;
    i += invalid_subpart_len(s, i);
  }
  return out;
}

void utf8_append(std::string& out, uint32_t cp) {
  if (cp < 0x80) {
    out += char(cp);
  } else if (cp < 0x800) {
    out += char(0xC0 | (cp >> 6));
    out += char(0x80 | (cp & 0x3F));
  } else if (cp < 0x10000) {
    out += char(0xE0 | (cp >> 12));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  } else {
    out += char(0xF0 | (cp >> 18));
    out += char(0x80 | ((cp >> 12) & 0x3F));
    out += char(0x80 | ((cp >> 6) & 0x3F));
    out += char(0x80 | (cp & 0x3F));
  }
}

}  // namespace lmf
