#include "train/scaling/chinchilla_fit.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <set>

#include "core/error.h"
#include "train/scaling/lbfgs.h"

namespace lmf::train::scaling {

double ChinchillaFit::predict(double N, double D) const { return E + A / std::pow(N, alpha) + B / std::pow(D, beta); }

double chinchilla_objective(const std::vector<Point>& points, const std::vector<double>& th, std::vector<double>& grad) {
  const double a = th[0], b = th[1], e = th[2], alpha = th[3], beta = th[4];
  grad.assign(5, 0.0);
  double f = 0;
  for (const Point& p : points) {
    const double logN = std::log(p.N), logD = std::log(p.D);
    const double t0 = a - alpha * logN, t1 = b - beta * logD, t2 = e;
    const double m = std::max({t0, t1, t2});
    const double w0 = std::exp(t0 - m), w1 = std::exp(t1 - m), w2 = std::exp(t2 - m), z = w0 + w1 + w2;
    const double r = m + std::log(z) - std::log(p.loss);
    // Huber and its derivative (clip(r, -delta, delta)).
    const double ar = std::abs(r);
    f += ar <= kHuberDelta ? 0.5 * r * r : kHuberDelta * (ar - 0.5 * kHuberDelta);
    const double h = std::clamp(r, -kHuberDelta, kHuberDelta);
    // d LSE / d t_k = softmax weight w_k / z.
    grad[0] += h * w0 / z;
    grad[1] += h * w1 / z;
    grad[2] += h * w2 / z;
    grad[3] -= h * w0 / z * logN;
    grad[4] -= h * w1 / z * logD;
  }
  return f;
}

ChinchillaFit fit_chinchilla(const std::vector<Point>& points, const std::string& grid) {
  std::set<double> ns, ds;
  for (const Point& p : points) ns.insert(p.N), ds.insert(p.D);
  if (points.size() < 5 || ns.size() < 2 || ds.size() < 2)
    throw Error("the L(N, D) fit needs at least 5 points with 2 different N and 2 different D (got " +
                std::to_string(points.size()) + " points, " + std::to_string(ns.size()) + " N, " +
                std::to_string(ds.size()) + " D)");
  std::vector<double> ab, es, exps;
  if (grid == "hoffmann") {
    ab = {0, 5, 10, 15, 20, 25}, es = {-1, -0.5, 0, 0.5, 1}, exps = {0, 0.5, 1, 1.5, 2};
  } else if (grid == "quick") {
    ab = {0, 10, 20}, es = {0}, exps = {0.5, 1.5};
  } else {
    throw Error("unknown start grid '" + grid + "' (hoffmann or quick)");
  }
  const Objective obj = [&](const std::vector<double>& th, std::vector<double>& g) {
    return chinchilla_objective(points, th, g);
  };
  ChinchillaFit best;
  best.objective = std::numeric_limits<double>::infinity();
  std::vector<double> theta_best;
  for (double a : ab)
    for (double b : ab)
      for (double e : es)
        for (double alpha : exps)
          for (double beta : exps) {
            LbfgsResult r = lbfgs_minimize(obj, {a, b, e, alpha, beta});
            ++best.starts;
            best.converged += r.converged;
            if (std::isfinite(r.f) && r.f < best.objective) best.objective = r.f, theta_best = r.x;
          }
  if (theta_best.empty()) throw Error("the L(N, D) fit failed from every start point");
  best.A = std::exp(theta_best[0]);
  best.B = std::exp(theta_best[1]);
  best.E = std::exp(theta_best[2]);
  best.alpha = theta_best[3];
  best.beta = theta_best[4];
  return best;
}

}  // namespace lmf::train::scaling
