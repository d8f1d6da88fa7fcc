// UTF-8 validation and repair for pipeline input. Valid UTF-8 here is RFC 3629: no
// overlong forms, no surrogates (U+D800..U+DFFF), nothing above U+10FFFF.
#pragma once
#include <string>
#include <string_view>

namespace lmf::data::pipeline {

// Byte offset of the first invalid sequence, or npos when s is valid UTF-8.
size_t find_invalid_utf8(std::string_view s);

// s with each maximal invalid subpart replaced by U+FFFD (the WHATWG / Unicode
// "substitution of maximal subparts" practice); `replaced` receives how many.
std::string repair_utf8(std::string_view s, size_t* replaced = nullptr);

}  // namespace lmf::data::pipeline
