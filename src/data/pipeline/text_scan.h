// What the quality rules (gopher_rules.h, c4_rules.h) read of a document's text: byte
// classes, one pass over the text that finds its words and lines, and the small string
// helpers both rule sets use. The filter stage scans a text once and hands the scan to
// both rule sets.
//
// Words are the white-space separated tokens; white space is ' ', \t, \n, \r, \f, \v.
// Lengths in code points count the bytes that are not UTF-8 continuation bytes (the text
// is valid UTF-8: the reader repairs it first; core/utf8.h's utf8_code_points).
#pragma once
#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lmf::data::pipeline {

// Byte classes: white space, ASCII punctuation (std::ispunct in the C locale), letters
// (ASCII letters and UTF-8 lead bytes of two bytes or more), UTF-8 continuation bytes.
enum : uint8_t { kWs = 1, kPunct = 2, kLetter = 4, kCont = 8 };
constexpr std::array<uint8_t, 256> kByteClass = [] {
  std::array<uint8_t, 256> t{};
  for (int c : {' ', '\t', '\n', '\r', '\f', '\v'}) t[size_t(c)] = kWs;
  for (int c = 33; c < 127; ++c) {
    const bool letter = (c | 0x20) >= 'a' && (c | 0x20) <= 'z', digit = c >= '0' && c <= '9';
    t[size_t(c)] = letter ? kLetter : digit ? 0 : kPunct;
  }
  for (int c = 0x80; c < 0xC0; ++c) t[size_t(c)] = kCont;
  for (int c = 0xC0; c < 0x100; ++c) t[size_t(c)] = kLetter;
  return t;
}();
inline uint8_t byte_class(char c) { return kByteClass[static_cast<unsigned char>(c)]; }

// What the Gopher rules need of a text, from one pass over its 64-byte blocks.
struct TextScan {
  std::vector<std::string_view> words;  // the white-space separated tokens
  size_t continuation = 0;              // UTF-8 continuation bytes (all inside tokens)
  size_t hashes = 0;                    // '#' bytes
  bool dots3 = false;                   // "..." occurs
  bool ascii = true;                    // no byte >= 0x80
  std::vector<size_t> newlines;         // positions of '\n', increasing
};

// Fills `t` (cleared first; its vectors keep their capacity) from `s`.
void scan_text(std::string_view s, TextScan& t);

// The lines of s (split at '\n', the last one after the last '\n'), into `lines` (cleared first).
void split_lines(std::string_view s, std::vector<std::string_view>& lines);

// split_lines(text.substr(from, to - from)) from a scan's newline positions.
void lines_of(std::string_view text, const std::vector<size_t>& newlines, size_t from, size_t to,
              std::vector<std::string_view>& lines);

// s without white space at either end.
inline std::string_view trim(std::string_view s) {
  while (!s.empty() && (byte_class(s.front()) & kWs)) s.remove_prefix(1);
  while (!s.empty() && (byte_class(s.back()) & kWs)) s.remove_suffix(1);
  return s;
}

inline bool ends_with(std::string_view s, std::string_view t) {
  return s.size() >= t.size() && s.substr(s.size() - t.size()) == t;
}
inline bool starts_with(std::string_view s, std::string_view t) { return s.substr(0, t.size()) == t; }

// ASCII letters lower-cased, other bytes as they are (byte offsets are kept).
inline std::string ascii_lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = (c >= 'A' && c <= 'Z') ? char(c + 32) : c;
  return out;
}

}  // namespace lmf::data::pipeline
