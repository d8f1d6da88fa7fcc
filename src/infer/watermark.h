// Watermark: the green-list scheme of Kirchenbauer et al. 2023 ("A Watermark for Large
// Language Models", §3, the "soft red list" rule). Before each token is drawn, the previous
// token seeds a pseudo-random split of the vocabulary into a green list of γ·|V| ids and a
// red list; δ is added to the green ids' logits. Text written this way holds far more green
// tokens than the γ share a writer who does not know the key hits by chance, which a
// one-sided z-test counts (eval/watermark_detect.h) without the model.
//
// The green list for previous token `prev` under key KEY, over a vocabulary of V ids:
//   seed  = the first 8 bytes, read little-endian, of SHA-256(KEY's bytes ‖ prev as 4
//           little-endian bytes (two's complement int32))
//   G     = floor(γ·V + 0.5) (γ·V rounded half up, in double precision), 1 ≤ G ≤ V − 1
//   list  = the first G entries of a forward Fisher–Yates shuffle of [0, 1, …, V−1]:
//           for i = 0 … G−1: j = i + (SplitMix64(seed).next() mod (V − i)); swap(a[i], a[j])
//           (SplitMix64 as in core/random.h: state += 0x9E3779B97F4A7C15, then the
//           30/27/31 xor-shift-multiply finaliser; one draw per i, in order).
// V is the tokenizer's vocabulary size (special tokens included), not the model's logit
// count: a model whose embedding is padded beyond the tokenizer leaves the padding ids
// unbiased (they are never green), and a tokenizer larger than the model is an error.
// Nothing is cached: the list is recomputed for every position (O(V) each).
//
// In sampling (infer/sampler.h) the bias comes after the repetition penalty and before
// temperature, top-k, top-p and min-p, as Hugging Face's WatermarkLogitsProcessor sits among
// its logits processors; greedy decoding (temperature 0) gets it too. The previous token of
// the first generated token is the last prompt token.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "core/token_id.h"

namespace lmf {

inline constexpr double kWatermarkGamma = 0.25;
inline constexpr double kWatermarkDelta = 2.0;

struct WatermarkOptions {
  std::string key;          // the secret; empty: no watermark
  double gamma = kWatermarkGamma;  // the green share of the vocabulary, in (0, 1)
  double delta = kWatermarkDelta;  // added to each green logit, ≥ 0
  int64_t vocab_size = 0;   // the tokenizer's vocabulary size V (≥ 2)
  bool on() const { return !key.empty(); }
};

// Throws lmf::Error naming the bad field: empty key, γ outside (0, 1), δ < 0 or not finite,
// V < 2, or a γ that leaves the green or the red list empty.
void check_watermark(const WatermarkOptions& w);

// The 64-bit seed of the green list after `prev` (see above).
uint64_t watermark_seed(const std::string& key, TokenId prev);

// G = floor(γ·V + 0.5).
int64_t green_list_size(double gamma, int64_t vocab_size);

// The green list after `prev`, in shuffle order (G ids in [0, V)).
std::vector<TokenId> green_list(const std::string& key, TokenId prev, double gamma, int64_t vocab_size);

// Adds δ to logits[id] for each green id after `prev`. logits has n_logits ≥ w.vocab_size
// entries (Error otherwise).
void add_watermark_bias(const WatermarkOptions& w, TokenId prev, float* logits, int64_t n_logits);

}  // namespace lmf
