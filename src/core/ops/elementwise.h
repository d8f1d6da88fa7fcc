// Elementwise arithmetic: add, sub, mul with NumPy broadcasting, and scalar scale / shift.
//
// Broadcasting aligns shapes at the right; a dim of extent 1 (or a missing leading dim)
// stretches to the other operand's extent. Any other mismatch is a ShapeError naming the
// op and both shapes. The backward of a broadcast operand sums the gradient over the
// dims it was stretched along. Inputs of any layout are accepted (strided views are
// made contiguous first); results are new contiguous tensors.
#pragma once
#include "core/tensor.h"

namespace lmf {

Tensor add(const Tensor& a, const Tensor& b);  // a + b
Tensor sub(const Tensor& a, const Tensor& b);  // a - b
Tensor mul(const Tensor& a, const Tensor& b);  // a * b
Tensor scale(const Tensor& x, float s);        // x * s
Tensor add_scalar(const Tensor& x, float s);   // x + s

// The broadcast shape of a and b; ShapeError naming `op` and both shapes if none.
Shape broadcast_shape(const Shape& a, const Shape& b, const char* op);

}  // namespace lmf
