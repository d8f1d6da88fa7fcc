// Sampler: picks the next token from a row of logits, as Hugging Face's generate() does:
// repetition penalty (CTRL: positive logits of seen tokens divided by the penalty,
// negative ones multiplied), then temperature, top-k, top-p (nucleus, keeping the
// smallest set whose probability reaches p), min-p (drop tokens below min_p × the top
// probability), then a draw. temperature 0 means greedy (argmax, lowest id on ties).
// Draws use a counter-based generator keyed by (seed, step): reproducible for a seed.
// With a watermark key, δ is added to the green list's logits after the repetition penalty
// and before temperature (infer/watermark.h), for greedy decoding too; the previous token is
// the last id of `history`.
#pragma once
#include <cstddef>
#include <cstdint>
#include <vector>

#include "infer/watermark.h"

namespace lmf {

struct SamplingOptions {
  float temperature = 1.0f;  // 0 = greedy
  int top_k = 0;             // 0 = off
  float top_p = 1.0f;        // 1 = off
  float min_p = 0.0f;        // 0 = off
  float repetition_penalty = 1.0f;  // 1 = off
  uint64_t seed = 0;
  WatermarkOptions watermark;  // key empty: off
};

class Sampler {
 public:
  explicit Sampler(const SamplingOptions& opt);
  // logits: V values (modified copy is made internally). history: ids seen so far (prompt
  // and generated), used by the repetition penalty.
  int32_t sample(const float* logits, int64_t V, const std::vector<int32_t>& history);
  // The distribution sample() draws from (temperature > 0): probability per token id,
  // zero for filtered tokens, summing to 1.
  std::vector<double> distribution(const float* logits, int64_t V, const std::vector<int32_t>& history);

 private:
  // Applies the penalty, temperature and filters; leaves the kept candidates in order_
  // (most likely first) with their probabilities in probs_ (first `kept` entries).
  size_t filter(const float* logits, int64_t V, const std::vector<int32_t>& history);
  std::vector<double> probs_;
  SamplingOptions opt_;
  uint64_t step_ = 0;
  std::vector<float> work_;
  std::vector<int32_t> order_;
  std::vector<uint8_t> seen_;
};

}  // namespace lmf
