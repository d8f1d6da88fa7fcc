// A small random model folder for the tests that compare against llama.cpp and the
// quantizers (GGUF export, import, quantize, KL divergence): config.json and
// model.safetensors with every matrix scaled up (so next-token distributions are peaked,
// not near uniform), biases optionally drawn, and a tokenizer.json.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

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

// Code, Unicode, digits and whitespace runs: a text two tokenizers must split alike.
extern const char* const kMixedText;

// The tokenizer of the GGUF export and import tests: 500 ids learnt from
// tests/support/tokenizer_training_text.md (a frozen copy of an older docs/architecture.md,
// so editing the docs never changes the fixtures) and kMixedText, with <|endoftext|> and
// ChatML's markers.
tok::Tokenizer chatml_test_tokenizer();

// The GGUF export and import tests' model of each family: 2 layers of width 256, Llama with
// 4 heads sharing 2 key/value heads (norm eps 1e-6), GPT-2 tied with its biases drawn (1e-5).
Transformer write_family_model(const std::string& dir, Arch arch, const tok::Tokenizer& tk, uint64_t seed,
                               int64_t bias_seed);

// The last position's logits (vocab) of ids through m.
std::vector<float> last_logits(Transformer& m, const std::vector<int32_t>& ids);

}  // namespace lmf::test
