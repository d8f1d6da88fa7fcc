// A small L-BFGS minimiser for smooth functions of a few variables (the scaling-law fits):
// limited-memory BFGS (Nocedal & Wright, Algorithm 7.4, two-loop recursion with the
// s'y / y'y initial scaling) and a line search satisfying the strong Wolfe conditions
// (Algorithms 3.5 and 3.6, c1 = 1e-4, c2 = 0.9, cubic interpolation in the zoom).
//
// Promises: the returned point is the best one evaluated (never worse than the start);
// non-finite function values are treated as "too far" and the step shrinks; it stops when
// the largest gradient component is at most gtol, when a step lowers f by no more than
// ftol * |f| (relative), when the line search can make no progress, or after max_iter
// iterations.
#pragma once
#include <functional>
#include <vector>

namespace lmf::train::scaling {

// f(x) and its gradient into g (g has x's size on entry).
using Objective = std::function<double(const std::vector<double>& x, std::vector<double>& g)>;

struct LbfgsOptions {
  int memory = 10;
  int max_iter = 2000;
  double gtol = 1e-12;
  double ftol = 1e-15;
};

struct LbfgsResult {
  std::vector<double> x;
  double f = 0;
  int iterations = 0;
  bool converged = false;  // stopped by gtol or ftol (not by the iteration limit or a failed search)
};

LbfgsResult lbfgs_minimize(const Objective& f, std::vector<double> x0, const LbfgsOptions& opt = {});

}  // namespace lmf::train::scaling
