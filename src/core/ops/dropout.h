// Dropout with a counter-based mask: element i (row-major index into x) is kept iff
// Philox::uniform_at(seed, i) >= p, and kept values are scaled by 1/(1-p); so the mask
// depends only on (seed, i), never on the thread count or on earlier draws.
//
// The mask is not stored: backward recomputes it from (seed, i), so dx = mask·dy/(1-p)
// costs no memory. p = 0 returns x itself; p = 1 drops everything (zeros, as PyTorch).
// The caller picks a fresh seed per call (e.g. from the step and layer) and skips dropout
// in evaluation.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace lmf {

// x any shape; 0 <= p <= 1 (else Error naming p).
Tensor dropout(const Tensor& x, float p, uint64_t seed);

}  // namespace lmf
