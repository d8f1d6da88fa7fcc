// A pointwise map over a float buffer, the forward loop of the unary ops (activations,
// scale, add_scalar):
//
//   y[i] = f(x[i])   for i in [0, n)
//
// Promises: one `omp parallel for simd` loop (static split over OpenMP threads when
// n >= parallel_min), so f, inlined, is vectorised for the build's ISA; each y[i] depends
// only on x[i], so results do not depend on the thread count. y must not overlap x.
#pragma once
#include <cstdint>

namespace lmf::kernels {

template <class F>
inline void map(const float* x, float* __restrict y, int64_t n, int64_t parallel_min, F&& f) {
#pragma omp parallel for simd schedule(static) if (n >= parallel_min)
  for (int64_t i = 0; i < n; ++i) y[i] = f(x[i]);
}

}  // namespace lmf::kernels
