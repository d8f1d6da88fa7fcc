// Greedy generation as lm-evaluation-harness's HFLM.generate_until runs it, through the
// library's generator (infer/generate.h: one prefill, then cached decode steps):
//
//   the prompt's tokens keep their last L - max_gen_toks (L: the model's context; fewer is
//   an Error naming max_gen_toks); up to max_gen_toks tokens are generated greedily,
//   stopping at the end-of-text token (the tokenizer's eot, and with `stop_ids` those ids
//   too) or once the text holds one of `until`; the text is the generated tokens decoded
//   without special tokens (skip_special_tokens), then cut at each non-empty stop string
//   in turn (s = s.split(term)[0]).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/token_id.h"
#include "models/transformer.h"
#include "tokenizer/tokenizer.h"

namespace lmf::eval {

// The generated tokens decoded without special tokens.
std::string decode_skip_special(const tok::Tokenizer& tk, const std::vector<TokenId>& ids);
// s cut at the first occurrence of each non-empty term, in order.
std::string cut_at_stops(std::string s, const std::vector<std::string>& until);

std::string generate_until(Transformer& model, const tok::Tokenizer& tk, std::vector<TokenId> prompt,
                           const std::vector<std::string>& until, int64_t max_gen_toks,
                           const std::vector<TokenId>& stop_ids = {});

}  // namespace lmf::eval
