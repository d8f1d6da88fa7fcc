// A small random model folder for the tests that compare against llama.cpp and the
// quantizers (GGUF export, import, quantize, KL divergence): config.json and
// model.safetensors with every matrix scaled up (so next-token distributions are peaked,
// not near uniform), biases optionally drawn, and a tokenizer.json.
#pragma once
#include <cstdint>
#include <string>

#include "models/transformer.h"
#include "tokenizer/tokenizer.h"

namespace lmf::test {

struct ScaledModelSpec {
  Arch arch = Arch::Llama;
  int64_t vocab = 512, width = 256, layers = 2, heads = 4, kv_heads = 4, inner = 512, positions = 256;
  float norm_eps = 0;      // 0: the config's default
  uint64_t seed = 1;       // init_weights
  float scale = 4.f;       // every 2-D weight times this
  int64_t bias_seed = -1;  // ≥ 0: biases drawn from N(0, 0.1²) with this seed
};

// Writes the folder `dir` (created) with tokenizer `tk`; returns the model.
Transformer write_scaled_model(const std::string& dir, const ScaledModelSpec& s, const tok::Tokenizer& tk);

// A byte-level BPE tokenizer of `vocab` ids trained on `texts` (one thread), with
// `specials` as its special tokens.
tok::Tokenizer trained_tokenizer(const std::vector<std::string>& texts, int64_t vocab,
                                 const std::vector<std::string>& specials);

}  // namespace lmf::test
