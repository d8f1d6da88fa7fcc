// Kaplan et al. 2020 ("Scaling Laws for Neural Language Models"): L(N) = (N_c / N)^alpha_N,
// the loss of a model with N non-embedding parameters trained to convergence. Fitted by
// least squares in log space (log L = alpha_N log N_c - alpha_N log N) on each size's
// most-trained point (the largest D per N), the nearest a grid comes to convergence.
// Needs 2 distinct N (lmf::Error otherwise). alpha_N <= 0 (loss not falling with size) is
// returned as fitted; N_c is then not meaningful (NaN).
#pragma once
#include <vector>

#include "train/scaling/points.h"

namespace lmf::train::scaling {

struct KaplanFit {
  double alpha_N = 0, N_c = 0;
  std::vector<Point> used;  // the points fitted (one per N, ascending N)

  double predict(double N) const;
};

KaplanFit fit_kaplan(const std::vector<Point>& points);

}  // namespace lmf::train::scaling
