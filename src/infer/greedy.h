// Greedy decoding of one reply without a KV cache: the reference path that scoring,
// evaluation and tests compare the cached generator (infer/generate.h) against, and the
// one that honours every PEFT hook (prefix and prompt tuning included) by construction.
#pragma once
#include <cstdint>
#include <vector>

#include "models/transformer.h"

namespace lmf {

// Greedy reply to `prompt` (ids ending with the generation prompt), recomputing the whole
// sequence each step (no KV cache); stops after the end-of-turn marker's ids or max_new tokens.
std::vector<int32_t> greedy_reply(Transformer& model, const std::vector<int32_t>& prompt, int64_t max_new,
                                  const std::vector<int32_t>& stop);

}  // namespace lmf
