#include "train/scaling/kaplan_fit.h"

#include <cmath>
#include <limits>
#include <map>

#include "core/error.h"

namespace lmf::train::scaling {

double KaplanFit::predict(double N) const { return std::pow(N_c / N, alpha_N); }

KaplanFit fit_kaplan(const std::vector<Point>& points) {
  std::map<double, Point> by_n;  // N -> its point with the largest D
  for (const Point& p : points) {
    auto it = by_n.find(p.N);
    if (it == by_n.end() || p.D > it->second.D) by_n[p.N] = p;
  }
  if (by_n.size() < 2) throw Error("the L(N) fit needs points of at least 2 different sizes N");
  KaplanFit k;
  double sx = 0, sy = 0, sxx = 0, sxy = 0;
  for (auto& [n, p] : by_n) {
    const double x = std::log(n), y = std::log(p.loss);
    sx += x, sy += y, sxx += x * x, sxy += x * y;
    k.used.push_back(p);
  }
  const double m = double(by_n.size());
  const double slope = (m * sxy - sx * sy) / (m * sxx - sx * sx);
  const double intercept = (sy - slope * sx) / m;
  k.alpha_N = -slope;
  k.N_c = k.alpha_N > 0 ? std::exp(intercept / k.alpha_N) : std::numeric_limits<double>::quiet_NaN();
  return k;
}

}  // namespace lmf::train::scaling
