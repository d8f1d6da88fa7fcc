// Test support: a tokenizer whose tokens are the 256 bytes (no merges), with <|endoftext|>
// as id 256 and, with `chat`, ChatML's <|im_start|> (257) and <|im_end|> (258) — what the
// tiny models of the fine-tuning and alignment tests are trained with.
#pragma once
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace lmf::test {

inline tok::Tokenizer byte_tokenizer(bool chat) {
  std::vector<std::string> bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(std::string(1, char(i)));
  std::vector<tok::SpecialToken> specials = {{"<|endoftext|>", 256, true}};
  if (chat) specials.insert(specials.end(), {{"<|im_start|>", 257, true}, {"<|im_end|>", 258, true}});
  return tok::Tokenizer::from_merges(bytes, {}, specials, tok::builtin_pattern("gpt2"), "bytes");
}

}  // namespace lmf::test
