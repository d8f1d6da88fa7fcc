// The UTF-8 helpers live in core/utf8.h (namespace lmf); this header only makes them
// visible under their former tok:: names for infer/utf8_stream.h. Include core/utf8.h in
// new code; delete this file once nothing includes it.
#pragma once
#include "core/utf8.h"

namespace lmf::tok {

using lmf::utf8_append;
using lmf::utf8_char_len;
using lmf::utf8_lossy;
using lmf::utf8_valid;
using lmf::utf8_valid_prefix;

}  // namespace lmf::tok
