// One GRU layer over a whole sequence in one direction, as one step of torch.nn.GRU
// (gates r, z, n stacked in that order in the weights' rows, PyTorch's layout):
//
//   r = σ(W_ir x + b_ir + W_hr h + b_hr)     z = σ(W_iz x + b_iz + W_hz h + b_hz)
//   n = tanh(W_in x + b_in + r ⊙ (W_hn h + b_hn))
//   h' = (1 − z) ⊙ n + z ⊙ h
//
//   gru_layer(x (T, B, In), h0 (B, H), w, reverse)
//     → y (T, B, H)  (y[t] is the hidden state after reading x[t]), h (B, H) (the last state)
//
// Sequence-major (batch_first = false). With reverse the layer reads t = T−1 … 0; y stays
// indexed by t. One autograd node: the forward keeps every step's gates and W_hn h + b_hn,
// the backward runs backpropagation through time and gives x, h0 and the four weights
// (whichever require grad) their gradients. Stacks with PyTorch's names: core/ops/rnn_stack.h.
#pragma once
#include "core/ops/rnn_weights.h"

namespace lmf {

struct GruOutput {
  Tensor y, h;
};

GruOutput gru_layer(const Tensor& x, const Tensor& h0, const RnnWeights& w, bool reverse = false);

}  // namespace lmf
