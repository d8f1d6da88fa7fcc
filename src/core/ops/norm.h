// Normalisation over the last dim, with a learned per-channel weight.
//
// layer_norm: y = (x − mean) / sqrt(var + eps) · w + b, var biased (as PyTorch);
//             b may be undefined (no bias).
// rms_norm:   y = x / sqrt(mean(x²) + eps) · w (Hugging Face LlamaRMSNorm).
// x is (..., C), w and b are (C); anything else is a ShapeError naming the op and the
// shapes. The forward saves each row's mean and 1/std for the backward.
#pragma once
#include "core/tensor.h"

namespace lmf {

Tensor layer_norm(const Tensor& x, const Tensor& w, const Tensor& b, float eps = 1e-5f);
Tensor rms_norm(const Tensor& x, const Tensor& w, float eps = 1e-6f);

}  // namespace lmf
