// The two forward steps of inference, shared by `generate`, chat sessions and the server, so
// a sequence's values never depend on how it was scheduled:
//
//   prefill   a sequence's new tokens enter its cache (batch 1) in chunks whose boundaries
//             are multiples of kPrefillChunk cache positions. The same tokens after the same
//             cached chunks give the same values, whoever runs them; a cache cut back to a
//             chunk boundary (prefix reuse) continues exactly as a fresh prefill would.
//   decode    one token for each of several sequences in one forward pass (the weights are
//             read once for all rows). Each row runs the ops of a batch of one with kernels
//             whose row results do not depend on the number of rows (the decoding GEMV,
//             core/kernels/gemv.h, up to decode_max_rows() (kGemvMaxRows); row-wise norms and activations;
//             attention over the row's own cache), so a row's logits are the same alone or
//             beside others. `generate` decodes through the same call with one row.
#pragma once
#include <cstdint>
#include <span>
#include <vector>

#include "core/tensor.h"
#include "core/token_id.h"
#include "models/kv_cache.h"
#include "models/transformer.h"

namespace lmf {

inline constexpr int64_t kPrefillChunk = 64;

// The most rows one decode step takes (the decoding GEMV's limit).
int64_t decode_max_rows();

// Runs `ids` into `cache` (batch 1) in aligned chunks, after what it holds. Returns the
// logits (V) of the last id; with all_logits set, also fills it with the logits (n, V) of
// every id, in order.
Tensor prefill(Transformer& model, std::span<const TokenId> ids, KVCache& cache, Tensor* all_logits = nullptr);

// ids[b] is the next token of the sequence in caches[b]; returns logits (B, V). B ≤
// decode_max_rows(); every cache is prefilled and has room for one more token.
Tensor decode(Transformer& model, std::span<const TokenId> ids, const std::vector<KVCache*>& caches);

// The largest prefix of a cache holding `cached` ids that `prompt` can keep: the common
// prefix of the two, cut back to a chunk boundary no further than `prefilled` (the ids that
// entered the cache by prefill; decoded ids are recomputed). 0 with reserved entries.
int64_t reusable_prefix(std::span<const TokenId> cached, int64_t prefilled, std::span<const TokenId> prompt,
                        const KVCache& cache);

}  // namespace lmf
