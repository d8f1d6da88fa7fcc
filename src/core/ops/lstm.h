// One LSTM layer over a whole sequence in one direction, as one step of torch.nn.LSTM
// (gates i, f, g, o stacked in that order in the weights' rows, PyTorch's layout):
//
//   i = σ(W_ii x + b_ii + W_hi h + b_hi)     f = σ(W_if x + b_if + W_hf h + b_hf)
//   g = tanh(W_ig x + b_ig + W_hg h + b_hg)  o = σ(W_io x + b_io + W_ho h + b_ho)
//   c' = f ⊙ c + i ⊙ g                       h' = o ⊙ tanh(c')
//
//   lstm_layer(x (T, B, In), h0 (B, H), c0 (B, H), w, reverse)
//     → y (T, B, H)  (y[t] is the hidden state after reading x[t]),
//       h (B, H), c (B, H)  (the state after the last step)
//
// Sequence-major (batch_first = false). With reverse the layer reads t = T−1 … 0 (the
// backward direction of a bidirectional LSTM); y stays indexed by t. The whole layer is one
// autograd node: the forward keeps the gate activations and cell states of every step, the
// backward runs backpropagation through time and gives x, h0, c0 and the four weights
// (whichever require grad) their gradients, the weight gradients as one GEMM over all steps.
// Multi-layer and bidirectional stacks with PyTorch's parameter names are core/ops/rnn_stack.h.
#pragma once
#include "core/ops/rnn_weights.h"

namespace lmf {

struct LstmOutput {
  Tensor y, h, c;
};

LstmOutput lstm_layer(const Tensor& x, const Tensor& h0, const Tensor& c0, const RnnWeights& w, bool reverse = false);

}  // namespace lmf
