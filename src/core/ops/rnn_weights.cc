// Shared products of the recurrent layers: the input projection over all steps, its
// gradients, and the per-step product back into the previous hidden state.
#include "core/ops/rnn_weights.h"

#include <string>

#include "core/kernels/gemm.h"

namespace lmf::rnn_detail {
namespace {

using kernels::matrix;
using kernels::transposed;

std::string shp(const Tensor& t) { return t.defined() ? t.shape().str() : "undefined"; }

}  // namespace

int64_t check_rnn_shapes(const char* op, int64_t gates, const Tensor& x, const Tensor& h0, const RnnWeights& w) {
  check_f32(x, op, "x");
  check_f32(h0, op, "h0");
  check_f32(w.w_ih, op, "w_ih");
  check_f32(w.w_hh, op, "w_hh");
  LMF_CHECK_SHAPE(x.dim() == 3, op, "x must be (T, B, In), got " + shp(x));
  LMF_CHECK_SHAPE(h0.dim() == 2 && h0.size(0) == x.size(1), op,
                  "h0 must be (B, H) with B = " + std::to_string(x.size(1)) + ", got " + shp(h0));
  const int64_t H = h0.size(1), In = x.size(2);
  LMF_CHECK_SHAPE(w.w_ih.dim() == 2 && w.w_ih.size(0) == gates * H && w.w_ih.size(1) == In, op,
                  "w_ih must be (" + std::to_string(gates) + "·H, In) = [" + std::to_string(gates * H) + ", " +
                      std::to_string(In) + "], got " + shp(w.w_ih));
  LMF_CHECK_SHAPE(w.w_hh.dim() == 2 && w.w_hh.size(0) == gates * H && w.w_hh.size(1) == H, op,
                  "w_hh must be (" + std::to_string(gates) + "·H, H) = [" + std::to_string(gates * H) + ", " +
                      std::to_string(H) + "], got " + shp(w.w_hh));
  for (const Tensor* b : {&w.b_ih, &w.b_hh}) {
    if (!b->defined()) continue;
    check_f32(*b, op, b == &w.b_ih ? "b_ih" : "b_hh");
    LMF_CHECK_SHAPE(b->dim() == 1 && b->size(0) == gates * H, op,
                    std::string(b == &w.b_ih ? "b_ih" : "b_hh") + " must be (" + std::to_string(gates * H) +
                        "), got " + shp(*b));
  }
  return H;
}

void project(const float* in, int64_t rows, const Tensor& w, const Tensor& b, float* out) {
  const int64_t K = w.size(1), N = w.size(0);
  if (rows == 0) return;
  kernels::gemm(matrix(in, rows, K, K), transposed(matrix(w.f32(), N, K, K)), b.defined() ? b.f32() : nullptr,
                out, false);
}

void project_backward(const float* dout, int64_t rows, const float* in, const Tensor& w, autograd::GradSink& gin,
                      autograd::GradSink& gw, autograd::GradSink& gb) {
  const int64_t K = w.size(1), N = w.size(0);
  bool add = false;
  if (rows > 0 && gin.wanted()) {  // din (rows, K) += dout · w
    float* d = gin.buffer_for_write(&add);
    kernels::gemm(matrix(dout, rows, N, N), matrix(w.f32(), N, K, K), nullptr, d, add);
  }
  if (gw.wanted()) {  // dw (N, K) += doutᵀ · in
    float* d = gw.buffer_for_write(&add);
    if (rows > 0)
      kernels::gemm(transposed(matrix(dout, rows, N, N)), matrix(in, rows, K, K), nullptr, d, add);
    else if (!add)
      for (int64_t i = 0; i < N * K; ++i) d[i] = 0.0f;
  }
  if (gb.wanted()) {  // db (N) += Σ_rows dout, each column summed in row order
    float* d = gb.buffer_for_write(&add);
    if (!add)
      for (int64_t j = 0; j < N; ++j) d[j] = 0.0f;
    for (int64_t r = 0; r < rows; ++r)
      for (int64_t j = 0; j < N; ++j) d[j] += dout[r * N + j];
  }
}

void state_backward(const float* src, int64_t B, const Tensor& w, float* dst, bool add) {
  const int64_t N = w.size(0), H = w.size(1);
  kernels::gemm(matrix(src, B, N, N), matrix(w.f32(), N, H, H), nullptr, dst, add);
}

}  // namespace lmf::rnn_detail
