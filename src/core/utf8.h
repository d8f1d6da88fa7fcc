// UTF-8 helpers every layer shares: validation, decoding one character, lossy repair and
// encoding. Valid UTF-8 is RFC 3629's: no overlong forms, no surrogates
// (U+D800..U+DFFF), nothing above U+10FFFF.
//
// Repair replaces each maximal invalid subpart with U+FFFD (the W3C/WHATWG "substitution
// of maximal subparts" that JavaScript's TextDecoder and Rust's String::from_utf8_lossy
// follow): valid characters are never touched, replacement happens only where an invalid
// sequence occurs. The tokenizer decodes token bytes with it (a token boundary may fall
// inside a character); the data pipeline repairs its input with it.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lmf {

// Length (1-4) of the valid UTF-8 character starting at s[i], or 0 when the bytes there do not
// start a valid character (overlong forms, surrogates and values above U+10FFFF are invalid).
size_t utf8_char_len(std::string_view s, size_t i);

// The same, and the character's code point into *cp when it is valid.
size_t utf8_decode(std::string_view s, size_t i, uint32_t* cp);

// Length of the longest valid UTF-8 prefix of s (s.size() when all of s is valid): the byte
// offset of the first invalid sequence.
size_t utf8_valid_prefix(std::string_view s);

inline bool utf8_valid(std::string_view s) { return utf8_valid_prefix(s) == s.size(); }

// s with every maximal invalid subpart replaced by U+FFFD; `replaced` receives how many.
std::string utf8_lossy(std::string_view s, size_t* replaced = nullptr);

// Appends the UTF-8 encoding of code point cp (cp <= 0x10FFFF) to out.
void utf8_append(std::string& out, uint32_t cp);

// Code points of valid UTF-8: the bytes that are not continuation bytes (10xxxxxx).
inline size_t utf8_code_points(std::string_view s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

}  // namespace lmf
