// The tiktoken encodings that the npm tiktoken package ships (encoders/NAME.json: pat_str,
// special_tokens and the compact bpe_ranks), embedded in the binary at build time so that
// "tiktoken:NAME" needs no file at run time.
#pragma once
#include <string>
#include <string_view>
#include <vector>

namespace lmf::tok {

// The JSON text of a shipped encoding, or an empty view when there is none of that name.
std::string_view builtin_tiktoken_json(const std::string& name);

}  // namespace lmf::tok
