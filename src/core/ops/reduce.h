// Reductions: sum and mean of a whole tensor (to a scalar, shape []), and sum over one
// dim (keepdim as in PyTorch).
//
// Every reduction adds in a fixed order that depends only on the shape, never on the
// thread count: whole-tensor sums use core/kernels/sum.h (fixed 16384-element blocks in
// double, the block sums added in order); sum over a dim accumulates each output
// element in double along the dim. Results are therefore bit-identical run to run and
// across thread counts.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace lmf {

// x any shape → scalar Σ x.
Tensor sum(const Tensor& x);
// x any shape → scalar Σ x / numel (NaN for an empty x, as PyTorch).
Tensor mean(const Tensor& x);
// x (..., L, ...) with L at `dim` (negative counts from the end) → x's shape without
// that dim, or with it set to 1 when keepdim.
Tensor sum(const Tensor& x, int dim, bool keepdim = false);

}  // namespace lmf
