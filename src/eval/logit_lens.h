// The logit lens (nostalgebraist 2020, "interpreting GPT: the logit lens"): what the
// model would predict next if it stopped after each layer. The residual stream at the
// last position, after the embeddings (layer 0) and after each of the L layers, goes
// through the model's final norm and LM head, as the last layer's output always does:
//   p_l = softmax(lm_head(final_norm(x_l[T−1]))),  l = 0 … L,
// so p_L is the model's own next-token distribution.
#pragma once
#include <cstdint>
#include <vector>

#include "models/transformer.h"

namespace lmf::eval {

struct LensToken {
  int32_t id = 0;
  double prob = 0;
};

struct LensLayer {
  int64_t layer = 0;             // 0: the embeddings; l: after layer l (1-based)
  std::vector<LensToken> top;    // the k most probable tokens, most probable first (ties: lower id first)
  double target_prob = 0;        // p_l(target)
  int64_t target_rank = 0;       // 1 + the number of tokens more probable than the target
  std::vector<double> logprobs;  // (V) log p_l
};

// trace: a forward pass's residual streams (batch row 0 is read; see ForwardTrace).
// ShapeError for an empty trace, k < 1 or a target outside the vocabulary.
std::vector<LensLayer> logit_lens(Transformer& model, const ForwardTrace& trace, int64_t k, int32_t target);

}  // namespace lmf::eval
