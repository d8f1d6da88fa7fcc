#include "core/kernels/sum.h"

#include <algorithm>
#include <vector>

namespace lmf::kernels {
namespace {

constexpr int64_t kBlock = 16384;

template <class F>
double block_sum(const float* x, int64_t n, F f) {
  double acc = 0.0;
#pragma omp simd reduction(+ : acc)
  for (int64_t i = 0; i < n; ++i) acc += f(double(x[i]));
  return acc;
}

// Fixed-size blocks summed in parallel, then the block sums added in block order.
template <class F>
double blocked_sum(const float* x, int64_t n, F f) {
  const int64_t nb = (n + kBlock - 1) / kBlock;
  if (nb <= 1) return block_sum(x, n, f);
  thread_local std::vector<double> partial;  // grows once, reused by later calls
  if (int64_t(partial.size()) < nb) partial.resize(size_t(nb));
  double* part = partial.data();
#pragma omp parallel for schedule(static) if (nb >= 4)
  for (int64_t b = 0; b < nb; ++b) part[b] = block_sum(x + b * kBlock, std::min(kBlock, n - b * kBlock), f);
  double s = 0.0;
  for (int64_t b = 0; b < nb; ++b) s += part[b];
  return s;
}

}  // namespace

double sum(const float* x, int64_t n) {
  return blocked_sum(x, n, [](double v) { return v; });
}

double sum_squares(const float* x, int64_t n) {
  return blocked_sum(x, n, [](double v) { return v * v; });
}

}  // namespace lmf::kernels
