// Softmax and log-softmax over the last dim.
//
// x is (..., V), any layout; the result is a new contiguous tensor of the same shape.
// Rows are shifted by their maximum first, so large logits do not overflow.
#pragma once
#include "core/tensor.h"

namespace lmf {

Tensor softmax(const Tensor& x);
Tensor log_softmax(const Tensor& x);

}  // namespace lmf
