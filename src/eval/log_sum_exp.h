// log Σ exp(x) over a row of V logits, summed in double, and the first index of the
// largest logit: what log-likelihood scoring and the KL report take from each row.
#pragma once
#include <cmath>
#include <cstdint>

namespace lmf::eval {

inline double log_sum_exp(const float* x, int64_t V, int64_t* argmax) {
  int64_t best = 0;
  for (int64_t v = 1; v < V; ++v)
    if (x[v] > x[best]) best = v;
  const double m = x[best];
  double s = 0;
  for (int64_t v = 0; v < V; ++v) s += std::exp(double(x[v]) - m);
  *argmax = best;
  return m + std::log(s);
}

}  // namespace lmf::eval
