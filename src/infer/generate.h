// Autoregressive generation with a KV cache: the prompt is run once (prefill), then one
// token per step. Each new token is handed to `on_token`, which returns false to stop
// (the CLI uses it to stream text and to match stop strings). Generation also stops at
// max_new_tokens, at the end-of-sequence id when given, and when the context is full.
#pragma once
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "infer/sampler.h"
#include "models/transformer.h"

namespace lmf {

struct GenerateOptions {
  int max_new_tokens = 128;
  SamplingOptions sampling;
  std::optional<int32_t> eos_id;  // stop after emitting it (it is passed to on_token)
};

// Returns the generated ids (prompt excluded). `cache` may be passed to continue a
// conversation: tokens already in it are not recomputed. `history` holds every id seen so
// far (the cached ones first, then at most the last sampled token not yet run); it is
// extended with the prompt and the generated tokens.
std::vector<int32_t> generate(Transformer& model, const std::vector<int32_t>& prompt, const GenerateOptions& opt,
                              const std::function<bool(int32_t)>& on_token = nullptr, KVCache* cache = nullptr,
                              std::vector<int32_t>* history = nullptr);

}  // namespace lmf
