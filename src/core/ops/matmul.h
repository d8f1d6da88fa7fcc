// Matrix products: matmul (batched, strided) and linear (x·wᵀ + b), on oneDNN.
//
//   matmul(a, b):     a (..., M, K), b (..., K, N) -> (..., M, N)
//                     equal leading batch dims, or b 2-D and shared by every batch
//   linear(x, w, b):  x (..., in), w (out, in), b (out) or undefined -> (..., out)
//
// Views are multiplied where they lie: a transpose such as w.transpose(0, 1), or a
// (B,H,T,D) view of (B,T,H,D) memory, is described to oneDNN by its strides, never copied
// (a layout with no unit stride in its last two dims is the one exception). Results are
// new contiguous tensors.
//
// Backward (recorded when autograd is on), for y = a·b:
//   da += dy·bᵀ         (skipped unless a requires grad)
//   db += aᵀ·dy         (summed over the batch when b is shared; skipped unless b requires grad)
// and for linear: dx += dy·w, dw += dyᵀ·x, db += column sums of dy. Every product adds
// straight into the gradient buffer (oneDNN's sum post-op): no temporary per product.
// Only the operands a gradient needs are kept alive for backward.
//
// Inputs must be fp32 CPU tensors; mismatched shapes raise ShapeError naming the op and
// both shapes.
#pragma once
#include "core/tensor.h"

namespace lmf {

Tensor matmul(const Tensor& a, const Tensor& b);
Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b = {});

}  // namespace lmf
