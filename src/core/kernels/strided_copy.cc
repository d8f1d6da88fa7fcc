#include "core/kernels/strided_copy.h"

#include <array>

namespace lmf::kernels {
namespace {

constexpr int kMax = Shape::kMaxDims;
constexpr int64_t kParallelMin = 1 << 16;  // elements

struct Layout {
  int nd = 0;
  std::array<int64_t, kMax> n{}, sd{}, ss{};  // extent, dst stride, src stride
};

// Drops extent-1 dims and merges dim i into i+1 where both sides step over i+1 exactly.
Layout simplify(const Shape& shape, const Shape& dst_st, const Shape& src_st) {
  Layout L;
  for (int i = 0; i < shape.ndim(); ++i) {
    if (shape[i] == 1) continue;
    if (L.nd > 0) {
      const int j = L.nd - 1;
      if (L.sd[j] == shape[i] * dst_st[i] && L.ss[j] == shape[i] * src_st[i]) {
        L.n[j] *= shape[i];
        L.sd[j] = dst_st[i];
        L.ss[j] = src_st[i];
        continue;
      }
    }
    L.n[L.nd] = shape[i];
    L.sd[L.nd] = dst_st[i];
    L.ss[L.nd] = src_st[i];
    ++L.nd;
  }
  if (L.nd == 0) {  // a single element
    L.nd = 1;
    L.n[0] = 1;
  }
  return L;
}

template <bool Add>
void row(float* __restrict d, int64_t sd, const float* __restrict s, int64_t ss, int64_t n) {
  if (sd == 1 && ss == 1) {
#pragma omp simd
    for (int64_t k = 0; k < n; ++k) d[k] = Add ? d[k] + s[k] : s[k];
  } else {
    for (int64_t k = 0; k < n; ++k) d[k * sd] = Add ? d[k * sd] + s[k * ss] : s[k * ss];
  }
}

template <bool Add>
void run(float* dst, const float* src, const Layout& L) {
  const int inner = L.nd - 1;
  int64_t rows = 1;
  for (int i = 0; i < inner; ++i) rows *= L.n[i];
  const int64_t len = L.n[inner];
#pragma omp parallel for schedule(static) if (rows * len >= kParallelMin && rows > 1)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t od = 0, os = 0, rem = r;
    for (int i = inner - 1; i >= 0; --i) {
      const int64_t idx = rem % L.n[i];
      rem /= L.n[i];
      od += idx * L.sd[i];
      os += idx * L.ss[i];
    }
    row<Add>(dst + od, L.sd[inner], src + os, L.ss[inner], len);
  }
}

}  // namespace

void strided_copy(float* dst, const Shape& dst_strides, const float* src, const Shape& src_strides, const Shape& shape,
                  bool add) {
  if (shape.numel() == 0) return;
  const Layout L = simplify(shape, dst_strides, src_strides);
  if (add) run<true>(dst, src, L);
  else run<false>(dst, src, L);
}

}  // namespace lmf::kernels
