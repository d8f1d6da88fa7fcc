// Writing a kernel's gradient values into a buffer from GradSink::buffer_for_write: the
// values are stored when the buffer is fresh and added when it already holds a gradient.
// Two plain loops rather than one with a conditional load, which the vectoriser rejects.
#pragma once
#include <algorithm>
#include <cstdint>

namespace lmf::kernels {

// g[i] = v(i), or g[i] += v(i) when `add`, for i in [lo, hi).
template <class F>
inline void store_or_add(float* __restrict g, bool add, int64_t lo, int64_t hi, F&& v) {
  if (add) {
    for (int64_t i = lo; i < hi; ++i) g[i] += v(i);
  } else {
    for (int64_t i = lo; i < hi; ++i) g[i] = v(i);
  }
}

// The same over [0, n) in 16384-element pieces spread over OpenMP threads (static split)
// when n >= parallel_min.
template <class F>
inline void store_or_add_parallel(float* g, bool add, int64_t n, int64_t parallel_min, F&& v) {
  constexpr int64_t kPiece = 16384;
  int64_t pieces = (n + kPiece - 1) / kPiece;
#pragma omp parallel for schedule(static) if (n >= parallel_min)
  for (int64_t p = 0; p < pieces; ++p) store_or_add(g, add, p * kPiece, std::min(n, (p + 1) * kPiece), v);
}

}  // namespace lmf::kernels
