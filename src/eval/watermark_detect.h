// Watermark detection: the one-sided z-test of Kirchenbauer et al. 2023 (§3) on a token
// sequence, without the model. Each token after the first is green when it is in the green
// list that its predecessor seeds under the key (infer/watermark.h); with T scored tokens of
// which |s|_G are green,
//   z = (|s|_G − γT) / sqrt(T γ (1 − γ)),   p = 1 − Φ(z) (one-sided),
// and the text is called watermarked when z > the threshold (default 4, the paper's).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <span>
#include <string>

#include "core/token_id.h"

namespace lmf::eval {

inline constexpr double kWatermarkZThreshold = 4.0;

struct WatermarkScore {
  int64_t tokens = 0;  // T: tokens scored (all but the first)
  int64_t green = 0;   // |s|_G
  double gamma = 0, z = 0, p_value = 1;
  bool detected = false;  // z > threshold
  // {"tokens", "green", "gamma", "z", "p_value", "detected"}, in that order
  nlohmann::ordered_json to_json() const;
};

// Scores `ids` (ids of a tokenizer of `vocab_size` ids) under `key` and `gamma`. Error with
// fewer than 2 ids, an empty key, a γ outside (0, 1) or an id outside [0, vocab_size).
WatermarkScore detect_watermark(std::span<const TokenId> ids, const std::string& key, double gamma, int64_t vocab_size,
                                double z_threshold = kWatermarkZThreshold);

}  // namespace lmf::eval
