// Strided batched matrix multiplication on oneDNN: the kernel under matmul and linear.
//
//   dst (batch..., M, N)  =  [dst +]  src (batch..., M, K) · wei (batch..., K, N)  [+ bias (N)]
//
// src and wei are strided views described to oneDNN by their strides, so transposes and
// head-split views such as a (B,H,T,D) view of (B,T,H,D) memory are multiplied without
// copies. dst is contiguous. `accumulate` adds into dst (oneDNN's sum post-op) instead of
// overwriting it, which is how backward passes add into gradient buffers without a
// temporary.
//
// Promises:
//  - Batch dims of size 1 are dropped and adjacent batch dims that are laid out as one are
//    merged; when wei is shared by all batches (its batch dims are 1) and src's batch dims
//    fold into its rows, the product becomes one 2-D GEMM.
//  - oneDNN primitives are created once per layout (dims, strides, bias, accumulate) and
//    kept in a per-thread cache together with their memory objects; a call whose layout
//    was seen before makes no allocation of its own (it only rebinds data pointers and
//    executes through oneDNN's C API).
//  - Each operand needs a unit stride in one of its two last dims; callers make other
//    layouts contiguous first.
//  - Knows nothing of tensors or autograd: the ops (core/ops/matmul.cc) describe their
//    tensors as GemmOperands.
#pragma once
#include <cstdint>

#include "core/shape.h"

namespace lmf::kernels {

// A strided (batch..., rows, cols) view, as handed to gemm.
struct GemmOperand {
  const float* data = nullptr;
  int ndim = 0;  // 2 + number of batch dims
  int64_t dims[Shape::kMaxDims] = {};
  int64_t strides[Shape::kMaxDims] = {};
};

// The same operand with its last two dims swapped (a transpose, no copy).
GemmOperand transposed(GemmOperand op);
// The operand with leading 1-extent batch dims added up to `ndim` (for a shared weight).
GemmOperand padded(GemmOperand op, int ndim);
// A 2-D (rows, cols) operand over contiguous rows-major memory with row stride `ld`.
GemmOperand matrix(const float* data, int64_t rows, int64_t cols, int64_t ld);

// dst [+]= src · wei [+ bias]; see the header comment. src.ndim == wei.ndim; wei's batch
// dims equal src's or are all 1. dst is contiguous with dims (src batch..., M, N).
void gemm(const GemmOperand& src, const GemmOperand& wei, const float* bias, float* dst, bool accumulate);

// Number of oneDNN primitives created so far on this thread (tests check the cache with it).
int64_t gemm_primitives_created();

}  // namespace lmf::kernels
