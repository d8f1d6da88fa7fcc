#include "train/scaling/lbfgs.h"

#include <algorithm>
#include <cmath>
#include <deque>
#include <limits>

namespace lmf::train::scaling {
namespace {

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

// One evaluated point on the search line x + t p.
struct Probe {
  double t = 0, f = 0, d = 0;  // step, f, directional derivative g'p
  std::vector<double> x, g;
};

// The strong-Wolfe line search along p from (x, f0, g0). Returns false when no step
// satisfies the conditions; `best` then holds the lowest point seen (t = 0 if none lower).
bool wolfe_search(const Objective& f, const std::vector<double>& x, double f0, const std::vector<double>& g0,
                  const std::vector<double>& p, double t_init, Probe& out) {
  constexpr double c1 = 1e-4, c2 = 0.9;
  const double d0 = dot(g0, p);
  auto eval = [&](double t) {
    Probe q;
    q.t = t;
    q.x.resize(x.size());
    q.g.assign(x.size(), 0.0);
    for (size_t i = 0; i < x.size(); ++i) q.x[i] = x[i] + t * p[i];
    q.f = f(q.x, q.g);
    q.d = std::isfinite(q.f) ? dot(q.g, p) : std::numeric_limits<double>::quiet_NaN();
    if (!std::isfinite(q.f)) q.f = std::numeric_limits<double>::infinity();
    return q;
  };
  Probe best{0, f0, d0, x, g0};
  auto keep = [&](const Probe& q) {
    if (q.f < best.f) best = q;
  };
  auto sufficient = [&](const Probe& q) { return q.f <= f0 + c1 * q.t * d0; };
  auto curvature = [&](const Probe& q) { return std::abs(q.d) <= -c2 * d0; };

  // Zoom between lo (satisfies the decrease condition, lowest so far) and hi.
  auto zoom = [&](Probe lo, Probe hi) {
    for (int i = 0; i < 60; ++i) {
      // Cubic interpolation from both ends' values and slopes; bisection when it falls
      // outside the middle of the interval or the ends lack finite slopes.
      double t = 0.5 * (lo.t + hi.t);
      if (std::isfinite(hi.f) && std::isfinite(hi.d)) {
        const double d1 = lo.d + hi.d - 3 * (lo.f - hi.f) / (lo.t - hi.t);
        const double disc = d1 * d1 - lo.d * hi.d;
        if (disc >= 0) {
          const double d2 = std::copysign(std::sqrt(disc), hi.t - lo.t);
          const double tc = hi.t - (hi.t - lo.t) * (hi.d + d2 - d1) / (hi.d - lo.d + 2 * d2);
          const double a = std::min(lo.t, hi.t), b = std::max(lo.t, hi.t), margin = 0.1 * (b - a);
          if (std::isfinite(tc) && tc > a + margin && tc < b - margin) t = tc;
        }
      }
      if (std::abs(hi.t - lo.t) <= 1e-16 * std::max(1.0, std::abs(lo.t))) break;
      Probe q = eval(t);
      keep(q);
      if (!sufficient(q) || q.f >= lo.f) {
        hi = q;
      } else {
        if (curvature(q)) {
          out = q;
          return true;
        }
        if (q.d * (hi.t - lo.t) >= 0) hi = lo;
        lo = q;
      }
    }
    return false;
  };

  Probe prev{0, f0, d0, x, g0};
  double t = t_init;
  for (int i = 0; i < 60; ++i) {
    Probe q = eval(t);
    keep(q);
    if (!sufficient(q) || (i > 0 && q.f >= prev.f)) {
      if (zoom(prev, q)) return true;
      out = best;
      return false;
    }
    if (curvature(q)) {
      out = q;
      return true;
    }
    if (q.d >= 0) {
      if (zoom(q, prev)) return true;
      out = best;
      return false;
    }
    prev = q;
    t *= 2;
  }
  out = best;
  return false;
}

}  // namespace

LbfgsResult lbfgs_minimize(const Objective& f, std::vector<double> x0, const LbfgsOptions& opt) {
  const size_t n = x0.size();
  LbfgsResult r;
  r.x = std::move(x0);
  std::vector<double> g(n, 0.0);
  r.f = f(r.x, g);
  if (!std::isfinite(r.f)) return r;
  std::deque<std::vector<double>> S, Y;  // the last `memory` steps and gradient changes
  std::deque<double> rho;
  std::vector<double> p(n), q(n), alpha;
  for (r.iterations = 0; r.iterations < opt.max_iter; ++r.iterations) {
    if (max_abs(g) <= opt.gtol) {
      r.converged = true;
      return r;
    }
    // Two-loop recursion: p = -H g.
    q = g;
    alpha.assign(S.size(), 0.0);
    for (size_t k = S.size(); k-- > 0;) {
      alpha[k] = rho[k] * dot(S[k], q);
      for (size_t i = 0; i < n; ++i) q[i] -= alpha[k] * Y[k][i];
    }
    const double gamma = S.empty() ? 1.0 : dot(S.back(), Y.back()) / dot(Y.back(), Y.back());
    for (size_t i = 0; i < n; ++i) q[i] *= gamma;
    for (size_t k = 0; k < S.size(); ++k) {
      const double beta = rho[k] * dot(Y[k], q);
      for (size_t i = 0; i < n; ++i) q[i] += S[k][i] * (alpha[k] - beta);
    }
    for (size_t i = 0; i < n; ++i) p[i] = -q[i];
    if (dot(p, g) >= 0) {  // not a descent direction: restart from steepest descent
      S.clear(), Y.clear(), rho.clear();
      for (size_t i = 0; i < n; ++i) p[i] = -g[i];
    }
    // The first step is scaled so that it moves no parameter by more than 1.
    const double t0 = S.empty() ? std::min(1.0, 1.0 / max_abs(p)) : 1.0;
    Probe next;
    const bool ok = wolfe_search(f, r.x, r.f, g, p, t0, next);
    if (next.t == 0) return r;  // no lower point along p
    const double f_old = r.f;
    std::vector<double> s(n), y(n);
    for (size_t i = 0; i < n; ++i) s[i] = next.x[i] - r.x[i], y[i] = next.g[i] - g[i];
    r.x = next.x;
    r.f = next.f;
    g = next.g;
    if (!ok) {
      ++r.iterations;
      return r;
    }
    const double sy = dot(s, y);
    if (sy > 1e-300) {
      S.push_back(std::move(s)), Y.push_back(std::move(y)), rho.push_back(1.0 / sy);
      if (int(S.size()) > opt.memory) S.pop_front(), Y.pop_front(), rho.pop_front();
    }
    if (f_old - r.f <= opt.ftol * std::abs(r.f)) {
      ++r.iterations;
      r.converged = true;
      return r;
    }
  }
  return r;
}

}  // namespace lmf::train::scaling
