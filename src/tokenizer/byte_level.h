// GPT-2's byte-level alphabet: the reversible map from the 256 byte values to printable
// Unicode characters that Hugging Face tokenizer.json files use to write byte-level BPE
// tokens as strings (a space is 'Ġ' U+0120, a newline 'Ċ' U+010A, and so on).
//
// Printable Latin-1 bytes ('!'..'~', '¡'..'¬', '®'..'ÿ') map to themselves; the other 68
// bytes map, in increasing order, to U+0100, U+0101, ...
#pragma once
#include <string>
#include <string_view>

namespace lmf::tok {

// The UTF-8 string of the character that stands for byte b.
const std::string& byte_level_char(unsigned char b);

// bytes written in the byte-level alphabet (what a tokenizer.json vocab entry holds).
std::string byte_level_encode(std::string_view bytes);

// The bytes that a byte-level string stands for; false when s holds a character outside
// the alphabet (then out is unspecified).
bool byte_level_decode(std::string_view s, std::string& out);

}  // namespace lmf::tok
