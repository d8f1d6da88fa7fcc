// The compute-optimal model for a training budget of C FLOPs under C = 6 N D and a fitted
// L(N, D) = E + A/N^alpha + B/D^beta (Hoffmann et al. 2022, eq. 4):
//   N_opt = G (C/6)^(beta/(alpha+beta)),  D_opt = G^-1 (C/6)^(alpha/(alpha+beta)),
//   G = (alpha A / (beta B))^(1/(alpha+beta)).
// Defined only for alpha > 0 and beta > 0 (lmf::Error otherwise: with a non-positive
// exponent the loss does not fall along that axis and no finite optimum exists).
#pragma once
#include "train/scaling/chinchilla_fit.h"

namespace lmf::train::scaling {

struct ComputeOptimal {
  double C = 0, N = 0, D = 0, loss = 0;
  double tokens_per_parameter() const { return D / N; }
};

ComputeOptimal compute_optimal(const ChinchillaFit& fit, double flops);

}  // namespace lmf::train::scaling
