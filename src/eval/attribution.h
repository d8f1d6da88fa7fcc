// Gradient × input attribution of a next-token prediction (Shrikumar et al. 2016; Ancona
// et al. 2018 compare it with other gradient methods): which prompt tokens the score of
// one target token is most sensitive to, weighted by the tokens themselves.
//
// The score is the log-probability of `target` at the last position,
//   score = log softmax(logits[T−1])[target],
// and the input is the token embedding rows e_t of the prompt (Hugging Face's
// inputs_embeds; for GPT-2 its learned position embeddings are not part of the input —
// they are the same for every prompt of length T). With g_t = ∂score/∂e_t (C values):
//   gradient × input[t] = Σ_c e_t[c]·g_t[c],   gradient norm[t] = ‖g_t‖₂.
// One forward pass and one backward pass; the model's parameters take no gradient (their
// requires-grad flags are restored afterwards).
#pragma once
#include <cstdint>
#include <optional>
#include <vector>

#include "core/tensor.h"
#include "models/transformer.h"

namespace lmf::eval {

struct InputGradients {
  int32_t target = 0;                     // the scored token
  double score = 0;                       // log p(target | prompt) at the last position
  std::vector<float> last_logits;         // (V) logits at the last position
  Tensor embeddings, gradient;            // e and ∂score/∂e, (T, C)
  std::vector<double> x_input, norm;      // (T) each: Σ_c e·g and ‖g‖₂
};

// ids: the prompt (T ≥ 1, within the model's context). target: the token to score; none:
// the model's argmax next token (the first of equal maxima). trace: when given, filled by
// the same forward pass (models/transformer.h ForwardTrace). ShapeError for a target
// outside the vocabulary.
InputGradients input_gradients(Transformer& model, const std::vector<int32_t>& ids, std::optional<int32_t> target,
                               ForwardTrace* trace = nullptr);

}  // namespace lmf::eval
