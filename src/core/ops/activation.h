// Pointwise activations, each with its derivative in the backward pass.
//
// gelu_tanh: GPT-2's tanh approximation, 0.5·x·(1 + tanh(√(2/π)·(x + 0.044715·x³)))
//            (torch.nn.functional.gelu(x, approximate='tanh')).
// gelu:      exact, x·Φ(x) = 0.5·x·(1 + erf(x/√2)).
// silu:      x·σ(x).
// tanh:      tanh(x) (prefix tuning's reparameterisation MLP).
// swiglu:    silu(gate)·up, gate and up of equal shape (ShapeError naming both otherwise).
// Any shape and layout; results are new contiguous tensors.
#pragma once
#include "core/tensor.h"

namespace lmf {

Tensor gelu_tanh(const Tensor& x);
Tensor gelu(const Tensor& x);
Tensor silu(const Tensor& x);
Tensor tanh(const Tensor& x);
Tensor swiglu(const Tensor& gate, const Tensor& up);

}  // namespace lmf
