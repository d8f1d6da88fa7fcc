// TokenId: the one type of a token id, end to end — what the tokenizer encodes to and
// decodes from, what token shards are read into, what a model takes and generation emits.
// int32_t, PyTorch's and llm.c's choice for token tensors: every vocabulary here is far
// below 2^31, and -100 marks an ignored target in losses.
#pragma once
#include <cstdint>

namespace lmf {

using TokenId = int32_t;

}  // namespace lmf
