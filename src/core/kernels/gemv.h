// Skinny products for decoding: y (rows, out) = x (rows, in) · wᵀ [+ b] with rows ≤ 32,
// the shape of a linear layer when one token per sequence goes through the model. Such a
// product is bound by reading w once (out·in floats); a general GEMM spends much of its
// time packing and synchronising for so few rows. This kernel streams each weight row
// once, computing its dot products with every x row while the row is in cache.
//
// Promises: w (out, in) and x rows are contiguous with unit inner stride; each output is
// the sum over in of one thread's fixed-order SIMD reduction (a 4-output × 2-row register
// block), so results do not depend on the thread count nor on the number of rows (a row
// gets the same value alone or beside others: what batched decoding relies on,
// infer/decode_steps.h). Floating-point sums are ordered differently from oneDNN's, so values
// differ from the GEMM path by rounding only.
#pragma once
#include <cstdint>

namespace lmf::kernels {

constexpr int64_t kGemvMaxRows = 32;

// x: rows × in with row stride ldx; w: out × in contiguous; bias: out or null; y: rows × out.
void gemv_rows(const float* x, int64_t rows, int64_t ldx, const float* w, int64_t out, int64_t in, const float* bias,
               float* y);

}  // namespace lmf::kernels
