// Dropout: the mask is Philox at (seed, element index) — checked element by element
// against random.h directly — kept values scaled by 1/(1-p), keep rate near 1-p,
// backward applies the forward mask, seeds reproduce, p = 0 is the identity, and the
// result does not depend on the thread count.
#include <gtest/gtest.h>

#include <cmath>

#include "core/autograd.h"
#include "core/ops/dropout.h"
#include "core/random.h"
#include "core/threads.h"
#include "unit/core/ops/op_cases.h"

using namespace lmf;

TEST(OpsDropout, MaskScaleAndKeepRate) {
  const int64_t n = 200003;  // not a multiple of four: the last Philox block is partial
  Tensor x = Tensor::randn({n}, 11);
  for (float p : {0.1f, 0.5f, 0.9f}) {
    const uint64_t seed = 1234;
    Tensor y = dropout(x, p, seed);
    auto xv = x.to_vector(), yv = y.to_vector();
    const float scale = 1.0f / (1.0f - p);
    int64_t kept = 0, wrong = 0;
    for (int64_t i = 0; i < n; ++i) {
      const bool keep = Philox::uniform_at(seed, uint64_t(i)) >= p;
      kept += keep;
      wrong += yv[i] != (keep ? xv[i] * scale : 0.0f);
    }
    EXPECT_EQ(wrong, 0) << "p=" << p;
    // Binomial(n, 1-p): 5 standard deviations.
    const double rate = double(kept) / double(n), sd = std::sqrt(p * (1 - p) / double(n));
    EXPECT_NEAR(rate, 1.0 - p, 5 * sd) << "p=" << p;
  }
}

TEST(OpsDropout, BackwardUsesTheForwardMask) {
  Tensor x = Tensor::randn({37, 101}, 3);
  x.set_requires_grad(true);
  Tensor y = dropout(x.transpose(0, 1), 0.3f, 99);  // strided input: i is y's row-major index
  Tensor dy = Tensor::randn(y.shape(), 4);
  test::probe(y, dy).backward();  // loss = Σ y·dy
  auto yv = y.to_vector(), dyv = dy.to_vector(), xv = x.transpose(0, 1).to_vector();
  auto gv = x.grad().transpose(0, 1).to_vector();
  const float scale = 1.0f / (1.0f - 0.3f);
  int64_t dropped = 0;
  for (size_t i = 0; i < yv.size(); ++i) {
    const bool kept = Philox::uniform_at(99, i) >= 0.3f;
    dropped += !kept;
    ASSERT_EQ(yv[i], kept ? xv[i] * scale : 0.0f) << i;
    ASSERT_EQ(gv[i], kept ? dyv[i] * scale : 0.0f) << i;
  }
  EXPECT_GT(dropped, 0);
}

TEST(OpsDropout, SeedsReproduceAndThreadsDoNotMatter) {
  Tensor x = Tensor::randn({300, 1001}, 5);
  int saved = threads::get();
  threads::set(1);
  auto one = dropout(x, 0.2f, 7).to_vector();
  threads::set(2);
  EXPECT_EQ(dropout(x, 0.2f, 7).to_vector(), one);
  EXPECT_NE(dropout(x, 0.2f, 8).to_vector(), one);
  threads::set(saved);
}

TEST(OpsDropout, EdgeValuesOfP) {
  Tensor x = Tensor::randn({3, 5}, 1);
  x.set_requires_grad(true);
  Tensor same = dropout(x, 0.0f, 1);
  EXPECT_EQ(same.impl(), x.impl());  // p = 0 is the identity: x itself
  Tensor none = dropout(x, 1.0f, 1);
  EXPECT_EQ(none.to_vector(), std::vector<float>(15, 0.0f));
  test::probe(none, Tensor::randn({3, 5}, 2)).backward();
  EXPECT_EQ(x.grad().to_vector(), std::vector<float>(15, 0.0f));
  EXPECT_THROW(dropout(x, 1.5f, 1), Error);
  EXPECT_THROW(dropout(x, -0.1f, 1), Error);
  EXPECT_THROW(dropout(Tensor::from_ints({1}, {1}), 0.5f, 1), ShapeError);
  Tensor frozen = Tensor::randn({4}, 3);
  EXPECT_FALSE(dropout(frozen, 0.5f, 1).requires_grad());
}
