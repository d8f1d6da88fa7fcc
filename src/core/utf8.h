// UTF-8 helpers for the tokenizer: validation and lossy decoding.
//
// Token ids decode to bytes; a token boundary may fall inside a multi-byte character, so
// decoded bytes need not be valid UTF-8. utf8_lossy() turns bytes into valid UTF-8 by
// replacing each maximal invalid subpart with U+FFFD (the W3C/WHATWG rule that JavaScript's
// TextDecoder and Rust's String::from_utf8_lossy follow): valid characters are never touched,
// replacement happens only where an invalid sequence occurs.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace lmf::tok {

// Length (1-4) of the valid UTF-8 character starting at s[i], or 0 when the bytes there do not
// start a valid character (overlong forms, surrogates and values above U+10FFFF are invalid).
size_t utf8_char_len(std::string_view s, size_t i);

// Length of the longest valid UTF-8 prefix of s (s.size() when all of s is valid).
size_t utf8_valid_prefix(std::string_view s);

inline bool utf8_valid(std::string_view s) { return utf8_valid_prefix(s) == s.size(); }

// s with every maximal invalid subpart replaced by U+FFFD; `replaced` receives how many.
std::string utf8_lossy(std::string_view s, size_t* replaced = nullptr);

// Appends the UTF-8 encoding of code point cp (cp <= 0x10FFFF) to out.
void utf8_append(std::string& out, uint32_t cp);

}  // namespace lmf::tok
