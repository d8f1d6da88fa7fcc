// kernels::strided_copy (behind copy_from, gradient accumulation and slice backward)
// against element-by-element indexing, over permuted, sliced and broadcast-free layouts.
#include <gtest/gtest.h>

#include <numeric>
#include <random>

#include "core/kernels/strided_copy.h"
#include "core/tensor.h"

using namespace lmf;

namespace {

// Visits every index of `shape` in row-major order.
template <class F>
void each_index(const Shape& shape, F&& f) {
  std::vector<int64_t> idx(size_t(shape.ndim()), 0);
  for (int64_t n = 0; n < shape.numel(); ++n) {
    f(idx);
    for (int d = shape.ndim() - 1; d >= 0; --d) {
      if (++idx[size_t(d)] < shape[d]) break;
      idx[size_t(d)] = 0;
    }
  }
}

int64_t offset_of(const std::vector<int64_t>& idx, const Shape& strides) {
  int64_t o = 0;
  for (size_t d = 0; d < idx.size(); ++d) o += idx[d] * strides[int(d)];
  return o;
}

}  // namespace

TEST(StridedCopy, MatchesIndexingOnPermutedAndSlicedLayouts) {
  std::mt19937 rng(7);
  int checked = 0;
  for (int trial = 0; trial < 200; ++trial) {
    const int nd = 1 + int(rng() % 4);
    std::vector<int64_t> full(static_cast<size_t>(nd)), ext(full), start(full);
    for (int d = 0; d < nd; ++d) {
      full[size_t(d)] = 1 + int64_t(rng() % 7);
      ext[size_t(d)] = 1 + int64_t(rng() % full[size_t(d)]);
      start[size_t(d)] = int64_t(rng() % (full[size_t(d)] - ext[size_t(d)] + 1));
    }
    // Source: a window of a permuted buffer. Destination: a window of another buffer.
    Tensor sbuf = Tensor::randn(Shape(full), uint64_t(trial));
    std::vector<int> perm(static_cast<size_t>(nd));
    std::iota(perm.begin(), perm.end(), 0);
    std::shuffle(perm.begin(), perm.end(), rng);
    Tensor src = sbuf;
    for (int d = 0; d < nd; ++d)  // selection sort of dims into perm order, by transposes
      for (int e = d + 1; e < nd; ++e)
        if (perm[size_t(e)] == d) {
          std::swap(perm[size_t(d)], perm[size_t(e)]);
          src = src.transpose(d, e);
        }
    Shape shape;
    for (int d = 0; d < nd; ++d) {
      const int64_t n = std::min(ext[size_t(d)], src.size(d)), s0 = std::min(start[size_t(d)], src.size(d) - n);
      src = src.slice(d, s0, s0 + n);
      shape.push_back(n);
    }
    Tensor dbuf = Tensor::randn(Shape(full), uint64_t(1000 + trial));
    std::vector<float> before = dbuf.to_vector();
    const bool add = trial % 2 == 1;
    // dst: the window of `shape` at offset 0 of dbuf, with dbuf's own strides (when it fits)
    const Shape dshape_strides = dbuf.strides();
    bool fits = true;
    for (int d = 0; d < nd; ++d) fits = fits && shape[d] <= full[size_t(d)];
    if (!fits) continue;
    ++checked;
    const float* sbase = sbuf.f32();
    const int64_t soff = src.f32() - sbase;
    kernels::strided_copy(dbuf.f32(), dshape_strides, src.f32(), src.strides(), shape, add);
    std::vector<float> after = dbuf.to_vector();
    std::vector<bool> touched(after.size(), false);
    each_index(shape, [&](const std::vector<int64_t>& idx) {
      const int64_t o = offset_of(idx, dshape_strides);
      const float want = (add ? before[size_t(o)] : 0.0f) + sbase[soff + offset_of(idx, src.strides())];
      ASSERT_EQ(after[size_t(o)], want) << "trial " << trial;
      touched[size_t(o)] = true;
    });
    for (size_t i = 0; i < after.size(); ++i)
      if (!touched[i]) {
        ASSERT_EQ(after[i], before[i]) << "trial " << trial << " wrote outside the window";
      }
  }
  EXPECT_GE(checked, 100);
}

TEST(StridedCopy, LargeCopiesSplitAcrossThreadsStayExact) {
  Tensor a = Tensor::randn({64, 48, 96}, 3);
  Tensor t = a.transpose(0, 1);  // (48, 64, 96) view: 3072 rows of 96
  Tensor out = Tensor::empty(t.shape());
  out.copy_from(t);
  EXPECT_EQ(out.to_vector(), t.to_vector());
  Tensor g = Tensor::randn(t.shape(), 4);
  std::vector<float> want = g.to_vector(), tv = t.to_vector();
  for (size_t i = 0; i < want.size(); ++i) want[i] += tv[i];
  kernels::strided_copy(g.f32(), g.strides(), t.f32(), t.strides(), t.shape(), true);
  EXPECT_EQ(g.to_vector(), want);
}
