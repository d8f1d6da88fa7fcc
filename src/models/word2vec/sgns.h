// One negative-sampling update (Mikolov et al. 2013; word2vec.c's order of operations): the
// hidden vector h (D,) is scored against targets[0] (the positive word, label 1) and
// targets[1..n) (negatives, label 0), rows of the output matrix `out` (V, D). For each
// target j in order, with s = sigmoid(u_j . h) and g = lr * (label_j - s):
//   grad_h += g * u_j;   u_j += g * h
// and the caller adds grad_h to the input vector(s) afterwards. With distinct targets this
// is exactly one SGD step of rate lr on the loss
//   L = -log sigmoid(u_0 . h) - sum_{j>=1} log sigmoid(-u_j . h)
// (grad_h = -lr dL/dh, the u_j change by -lr dL/du_j), which the function returns.
// The sigmoid is exact (no table, no clipping). The loops are written for the compiler to
// vectorise (AVX2/FMA with -march=native).
#pragma once
#include <cmath>
#include <cstdint>

namespace lmf::word2vec {

inline float dot(const float* __restrict a, const float* __restrict b, int64_t d) {
  float s = 0;
#pragma omp simd reduction(+ : s)
  for (int64_t i = 0; i < d; ++i) s += a[i] * b[i];
  return s;
}

// y += a * x
inline void axpy(float a, const float* __restrict x, float* __restrict y, int64_t d) {
#pragma omp simd
  for (int64_t i = 0; i < d; ++i) y[i] += a * x[i];
}

// h (D,), grad_h (D,) accumulated into (not cleared), out (V, D), targets (n,). The loss is
// computed only when kLoss (training leaves it off: two more transcendentals per target).
template <bool kLoss = true>
inline float sgns_update(const float* __restrict h, float* __restrict grad_h, float* out, const int32_t* targets,
                         int n, int64_t d, float lr) {
  float loss = 0;
  for (int j = 0; j < n; ++j) {
    float* u = out + (int64_t)targets[j] * d;
    const float f = dot(u, h, d);
    const float label = j == 0 ? 1.0f : 0.0f;
    const float s = 1.0f / (1.0f + std::exp(-f));
    // -log sigmoid(f) = log1p(exp(-f)); -log sigmoid(-f) = log1p(exp(f))
    if constexpr (kLoss) loss += j == 0 ? std::log1p(std::exp(-f)) : std::log1p(std::exp(f));
    const float g = lr * (label - s);
    axpy(g, u, grad_h, d);
    axpy(g, h, u, d);
  }
  return loss;
}

}  // namespace lmf::word2vec
