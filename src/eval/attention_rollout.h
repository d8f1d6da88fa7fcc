// Attention rollout (Abnar & Zuidema 2020, "Quantifying Attention Flow in Transformers"):
// how much each input position flows into a position's representation through the
// attention of every layer, residual connections counted as half of each layer's mixing.
//
// The model's attention is fused and never materialises its probabilities, so they are
// recomputed here, explicitly, from the queries and keys a forward pass recorded
// (models/transformer.h ForwardTrace):
//   P[b,h,t,s] = softmax_s(q[b,h,t]·k[b,g,s] / √D)  over s ≤ t + S − T, 0 above,
//   g = h / (H/Hkv) (grouped-query heads read their shared key head).
// Rollout, per layer l: A_l = the head average of P (batch row 0, T × T),
// Â_l = 0.5·A_l + 0.5·I with every row renormalised to sum 1, and
// R = Â_L · … · Â_2 · Â_1 (the first layer applied first). Row t of R is the attribution
// of position t over the inputs; every row of R sums to 1 and is 0 right of t.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace lmf::eval {

// q (B, H, T, D), k (B, Hkv, S, D) with S ≥ T, H % Hkv == 0 → probabilities (B, H, T, S),
// computed in double and returned as f32. No autograd.
Tensor attention_probabilities(const Tensor& q, const Tensor& k);

// Per layer probabilities (B, H, T, T) (batch row 0 is used) → row `row` of R (T values),
// computed as e_rowᵀ·Â_L·…·Â_1 from the last layer down: O(L·T²), not the O(L·T³) of
// the whole product. ShapeError for no layers, layers whose shapes differ or are not
// square, or a row outside [0, T).
std::vector<double> attention_rollout(const std::vector<Tensor>& probabilities, int64_t row);

}  // namespace lmf::eval
