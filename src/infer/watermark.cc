#include "infer/watermark.h"

#include <cmath>
#include <numeric>

#include "core/error.h"
#include "core/random.h"
#include "core/sha256.h"

namespace lmf {

void check_watermark(const WatermarkOptions& w) {
  if (w.key.empty()) throw Error("watermark: the key is empty");
  if (!(w.gamma > 0 && w.gamma < 1)) throw Error("watermark: gamma must be in (0, 1), got " + std::to_string(w.gamma));
  if (!(w.delta >= 0 && std::isfinite(w.delta)))
    throw Error("watermark: delta must be a finite number >= 0, got " + std::to_string(w.delta));
  if (w.vocab_size < 2) throw Error("watermark: the vocabulary size must be at least 2, got " + std::to_string(w.vocab_size));
  const int64_t g = green_list_size(w.gamma, w.vocab_size);
  if (g < 1 || g >= w.vocab_size)
    throw Error("watermark: gamma " + std::to_string(w.gamma) + " gives a green list of " + std::to_string(g) + " of " +
                std::to_string(w.vocab_size) + " ids; both lists must be non-empty");
}

uint64_t watermark_seed(const std::string& key, TokenId prev) {
  std::string msg = key;
  const uint32_t p = uint32_t(prev);
  for (int i = 0; i < 4; ++i) msg += char((p >> (8 * i)) & 0xff);
  const std::string hex = sha256_hex(msg);  // 64 hex digits: byte 0 first
  uint64_t seed = 0;
  for (int b = 0; b < 8; ++b) seed |= uint64_t(std::stoul(hex.substr(size_t(2 * b), 2), nullptr, 16)) << (8 * b);
  return seed;
}

int64_t green_list_size(double gamma, int64_t vocab_size) { return int64_t(std::floor(gamma * double(vocab_size) + 0.5)); }

std::vector<TokenId> green_list(const std::string& key, TokenId prev, double gamma, int64_t vocab_size) {
  const int64_t g = green_list_size(gamma, vocab_size);
  std::vector<TokenId> a(static_cast<size_t>(vocab_size));
  std::iota(a.begin(), a.end(), TokenId(0));
  SplitMix64 rng{watermark_seed(key, prev)};
  for (int64_t i = 0; i < g; ++i) {
    const int64_t j = i + int64_t(rng.next() % uint64_t(vocab_size - i));
    std::swap(a[size_t(i)], a[size_t(j)]);
  }
  a.resize(size_t(g));
  return a;
}

void add_watermark_bias(const WatermarkOptions& w, TokenId prev, float* logits, int64_t n_logits) {
  if (w.vocab_size > n_logits)
    throw Error("watermark: the tokenizer's vocabulary (" + std::to_string(w.vocab_size) +
                " ids) is larger than the model's logits (" + std::to_string(n_logits) + ")");
  const float d = float(w.delta);
  for (TokenId id : green_list(w.key, prev, w.gamma, w.vocab_size)) logits[id] += d;
}

}  // namespace lmf
