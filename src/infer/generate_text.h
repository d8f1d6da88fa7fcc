// Generation to text: the new tokens as the reader sees them (infer/text_stream.h), ending
// at a stop string, at the end-of-sequence id (not shown), at max_new_tokens or when the
// context is full. on_text, when given, gets each piece of text as it is decided.
#pragma once
#include <functional>
#include <string>
#include <vector>

#include "infer/generate.h"
#include "tokenizer/tokenizer.h"

namespace lmf {

std::string generate_text(Transformer& model, const tok::Tokenizer& tk, const std::vector<int32_t>& prompt,
                          const GenerateOptions& opt, const std::vector<std::string>& stops,
                          const std::function<void(const std::string&)>& on_text = nullptr);

}  // namespace lmf
