// concat and split along one dim, as torch.cat and torch.split.
//
// Both produce new contiguous tensors (split copies rather than returning views, so its
// pieces feed later ops without strided layouts). Every copy moves whole contiguous runs:
// viewing a tensor as (O, L, I) with L at `dim`, each piece contributes L_k·I elements per
// row o. Backward of concat hands each input its run of dy; backward of split writes each
// piece's dy into its window of dx (pieces that received no gradient leave zeros).
#pragma once
#include <cstdint>
#include <vector>

#include "core/tensor.h"

namespace lmf {

// xs[k] (..., L_k, ...) with L_k at `dim`, all other extents equal → (..., Σ L_k, ...).
// `dim` may be negative (from the end).
Tensor concat(const std::vector<Tensor>& xs, int dim);

// x (..., L, ...) → pieces (..., sizes[k], ...) with Σ sizes = L. Sizes may be 0.
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int dim);

}  // namespace lmf
