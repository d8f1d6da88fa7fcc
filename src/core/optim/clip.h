// Global-norm gradient clipping, as torch.nn.utils.clip_grad_norm_ (norm_type 2):
//
//   total = sqrt(Σ_params Σ_i g_i²)
//   coef  = max_norm / (total + 1e-6);  when coef < 1 every gradient is multiplied by coef
//
// Returns `total` (before clipping). Parameters without a gradient are skipped. The sum
// of squares is accumulated in double in a fixed order (see reduce.h's kernels), so the
// result is the same whatever the thread count. No allocation after the first call.
#pragma once
#include <vector>

#include "core/optim/optimizer.h"

namespace lmf::optim {

float clip_grad_norm(const std::vector<Tensor>& params, double max_norm);
// Every parameter of every group of `opt`.
float clip_grad_norm(const Optimizer& opt, double max_norm);

}  // namespace lmf::optim
