// Hoffmann et al. 2022 ("Training Compute-Optimal Large Language Models"), approach 3:
//
//   L(N, D) = E + A / N^alpha + B / D^beta
//
// fitted to (N, D, loss) points by minimising, over theta = (a, b, e, alpha, beta),
//
//   sum_i Huber_delta( LSE(a - alpha log N_i, b - beta log D_i, e) - log L_i ),  delta = 1e-3
//
// (A = e^a, B = e^b, E = e^e) with L-BFGS (lbfgs.h) from every point of a start grid,
// keeping the lowest objective. Huber_delta(r) = r^2/2 for |r| <= delta, else
// delta (|r| - delta/2) — scipy.special.huber's definition. Grids:
//   hoffmann (the paper's): alpha, beta in {0, 0.5, 1, 1.5, 2}; e in {-1, -.5, 0, .5, 1};
//                           a, b in {0, 5, ..., 25} — 4500 starts;
//   quick:                  a, b in {0, 10, 20}; e in {0}; alpha, beta in {0.5, 1.5} — 36.
// Needs at least 5 points with 2 distinct N and 2 distinct D (lmf::Error otherwise).
#pragma once
#include <string>
#include <vector>

#include "train/scaling/points.h"

namespace lmf::train::scaling {

struct ChinchillaFit {
  double E = 0, A = 0, B = 0, alpha = 0, beta = 0;
  double objective = 0;  // the Huber sum at the optimum
  int starts = 0;        // start points tried
  int converged = 0;     // of those, how many met the stopping tolerance

  double predict(double N, double D) const;
};

constexpr double kHuberDelta = 1e-3;

// The objective at theta = {a, b, e, alpha, beta} and its gradient into grad (5 values).
double chinchilla_objective(const std::vector<Point>& points, const std::vector<double>& theta,
                            std::vector<double>& grad);

// grid: "hoffmann" or "quick".
ChinchillaFit fit_chinchilla(const std::vector<Point>& points, const std::string& grid = "hoffmann");

}  // namespace lmf::train::scaling
