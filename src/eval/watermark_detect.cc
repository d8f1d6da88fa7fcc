#include "eval/watermark_detect.h"

#include <algorithm>
#include <cmath>

#include "core/error.h"
#include "infer/watermark.h"

namespace lmf::eval {

nlohmann::ordered_json WatermarkScore::to_json() const {
  return {{"tokens", tokens}, {"green", green}, {"gamma", gamma}, {"z", z}, {"p_value", p_value}, {"detected", detected}};
}

WatermarkScore detect_watermark(std::span<const TokenId> ids, const std::string& key, double gamma, int64_t vocab_size,
                                double z_threshold) {
  WatermarkOptions w;
  w.key = key;
  w.gamma = gamma;
  w.vocab_size = vocab_size;
  check_watermark(w);
  if (ids.size() < 2)
    throw Error("watermark detect: the text has " + std::to_string(ids.size()) +
                " token(s); at least 2 are needed (every token after the first is scored)");
  for (size_t i = 0; i < ids.size(); ++i)
    if (ids[i] < 0 || ids[i] >= vocab_size)
      throw Error("watermark detect: token " + std::to_string(i) + " has id " + std::to_string(ids[i]) +
                  ", outside the vocabulary of " + std::to_string(vocab_size));
  WatermarkScore s;
  s.gamma = gamma;
  s.tokens = int64_t(ids.size()) - 1;
  for (size_t i = 1; i < ids.size(); ++i) {
    const std::vector<TokenId> g = green_list(key, ids[i - 1], gamma, vocab_size);
    if (std::find(g.begin(), g.end(), ids[i]) != g.end()) ++s.green;
  }
  const double T = double(s.tokens);
  s.z = (double(s.green) - gamma * T) / std::sqrt(T * gamma * (1 - gamma));
  s.p_value = 0.5 * std::erfc(s.z / std::sqrt(2.0));
  s.detected = s.z > z_threshold;
  return s;
}

}  // namespace lmf::eval
