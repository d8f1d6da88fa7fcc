// The contrastive loss of embedding training, forward and backward side by side: InfoNCE
// with in-batch negatives, as sentence-transformers' MultipleNegativesRankingLoss
// (augment/embedding_train.h trains with it).
//
// anchors (B, C), positives (B, C), negatives (M, C) or undefined (M = 0), all fp32 → scalar
//   k       = positives ++ negatives                      (B + M, C): the candidates
//   s[i, j] = cos(anchors[i], k[j]) / temperature          (B, B + M)
//   loss    = mean_i ( logsumexp_j s[i, j] − s[i, i] )
// i.e. cross-entropy of each anchor against all candidates with its own positive as the
// label: every other positive in the batch is a negative, and the hard negatives are extra
// columns shared by every anchor. cos(x, y) = x̂·ŷ with x̂ = x / max(‖x‖, 1e-12) (torch's
// F.normalize, what sentence-transformers' cos_sim uses). Sums in double.
//
// Backward, with P = softmax(s) by rows and G = dy · (P − I) / B (B, B + M):
//   dâ = G·k̂ / τ,  dk̂ = Gᵀ·â / τ,  then through the normalisation
//   dx = (dx̂ − x̂ (x̂·dx̂)) / ‖x‖   (dx̂ / 1e-12 where ‖x‖ ≤ 1e-12)
// into whichever of anchors, positives, negatives require grad. B = 0, mismatched widths or
// a temperature that is not positive and finite are ShapeErrors naming the shapes.
#pragma once
#include "core/tensor.h"

namespace lmf {

Tensor contrastive_loss(const Tensor& anchors, const Tensor& positives, const Tensor& negatives, float temperature);

}  // namespace lmf
