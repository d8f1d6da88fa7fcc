// The four tensors of one recurrent layer in one direction, in PyTorch's layout, and the
// products every recurrent layer (LSTM, GRU) shares.
//
//   w_ih (G·H, In)   weight_ih_l{k}[_reverse]   G = 4 for LSTM (i, f, g, o), 3 for GRU (r, z, n)
//   w_hh (G·H, H)    weight_hh_l{k}[_reverse]
//   b_ih (G·H)       bias_ih_l{k}[_reverse]     (undefined: no bias, as bias=False)
//   b_hh (G·H)       bias_hh_l{k}[_reverse]
//
// The layers (core/ops/lstm.h, core/ops/gru.h) project every time step's input at once
// (one GEMM over T·B rows), run the recurrence step by step, and in backward form the
// weight gradients as one GEMM over all steps. check_rnn_weights raises ShapeError naming
// the op and the tensor when a shape does not fit.
#pragma once
#include <cstdint>

#include "core/autograd.h"
#include "core/tensor.h"

namespace lmf {

struct RnnWeights {
  Tensor w_ih, w_hh, b_ih, b_hh;
};

namespace rnn_detail {

// Checks x (T, B, In), h0 (B, H) and the weights for G gates; returns H.
int64_t check_rnn_shapes(const char* op, int64_t gates, const Tensor& x, const Tensor& h0, const RnnWeights& w);

// out (rows, G·H) = in (rows, K) · wᵀ + b, w (G·H, K) contiguous, b contiguous or undefined.
void project(const float* in, int64_t rows, const Tensor& w, const Tensor& b, float* out);

// Gradients of out = in · wᵀ + b given dout (rows, G·H), for the sinks that want them:
//   din (rows, K) += dout · w,  dw (G·H, In) += doutᵀ · in,  db (G·H) += Σ_rows dout.
void project_backward(const float* dout, int64_t rows, const float* in, const Tensor& w, autograd::GradSink& gin,
                      autograd::GradSink& gw, autograd::GradSink& gb);

// dst (B, H) [+]= src (B, G·H) · w (G·H, H): the step's gradient into the previous state.
void state_backward(const float* src, int64_t B, const Tensor& w, float* dst, bool add);

// The step order of a layer: step s visits time t(s) = s, or T−1−s when reverse.
inline int64_t time_of(int64_t s, int64_t T, bool reverse) { return reverse ? T - 1 - s : s; }

inline float sigmoid(float v) { return 1.0f / (1.0f + __builtin_expf(-v)); }

}  // namespace rnn_detail
}  // namespace lmf
