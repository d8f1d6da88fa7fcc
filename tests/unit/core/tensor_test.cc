// Tensor views, the caching allocator and the autograd tape.
#include <gtest/gtest.h>

#include "core/allocator.h"
#include "core/autograd.h"
#include "core/tensor.h"

using namespace lmf;

TEST(Tensor, ViewsShareStorageAndReadBack) {
  Tensor t = Tensor::from_vector({0, 1, 2, 3, 4, 5}, {2, 3});
  Tensor tt = t.transpose(0, 1);
  EXPECT_EQ(tt.shape(), Shape({3, 2}));
  EXPECT_FALSE(tt.is_contiguous());
  EXPECT_EQ(tt.to_vector(), (std::vector<float>{0, 3, 1, 4, 2, 5}));
  Tensor s = t.slice(1, 1, 3);
  EXPECT_EQ(s.to_vector(), (std::vector<float>{1, 2, 4, 5}));
  t.f32()[1] = 10;
  EXPECT_EQ(s.to_vector()[0], 10);  // a view, not a copy
  EXPECT_EQ(t.reshape({3, -1}).shape(), Shape({3, 2}));
  EXPECT_THROW(t.reshape({4, 2}), ShapeError);
  EXPECT_THROW(t.slice(0, 1, 3), ShapeError);
  EXPECT_EQ(tt.contiguous().to_vector(), tt.to_vector());
}

// A contiguous view that starts past element 0 copies from its own first element, for
// 4-byte and 2-byte dtypes alike.
TEST(Tensor, CopiesOfOffsetViewsStartAtTheView) {
  Tensor t = Tensor::from_vector({0, 1, 2, 3, 4, 5, 6, 7}, {4, 2});
  Tensor rows = t.slice(0, 2, 4);  // contiguous, offset 4
  Tensor dst = Tensor::zeros({2, 2});
  dst.copy_from(rows);
  EXPECT_EQ(dst.to_vector(), (std::vector<float>{4, 5, 6, 7}));
  Tensor h = t.to(DType::BF16).slice(0, 1, 3);
  Tensor hd = Tensor::zeros({2, 2}, DType::BF16);
  hd.copy_from(h);
  EXPECT_EQ(hd.to_vector(), (std::vector<float>{2, 3, 4, 5}));
}

TEST(Tensor, RandomIsReproducibleAndSeedDependent) {
  Tensor a = Tensor::randn({1000}, 7), b = Tensor::randn({1000}, 7), c = Tensor::randn({1000}, 8);
  EXPECT_EQ(a.to_vector(), b.to_vector());
  EXPECT_NE(a.to_vector(), c.to_vector());
  double mean = 0, var = 0;
  for (float x : a.to_vector()) mean += x;
  mean /= 1000;
  for (float x : a.to_vector()) var += (x - mean) * (x - mean);
  var /= 1000;
  EXPECT_NEAR(mean, 0.0, 0.1);
  EXPECT_NEAR(var, 1.0, 0.15);
}

TEST(Allocator, ReusesFreedBlocks) {
  { Tensor warm = Tensor::empty({1000, 37}); }
  uint64_t before = CachingAllocator::stats().system_allocs;
  for (int i = 0; i < 10; ++i) {
    Tensor t = Tensor::empty({1000, 37});
    t.fill(1);
  }
  EXPECT_EQ(CachingAllocator::stats().system_allocs, before);
  EXPECT_EQ(CachingAllocator::round_size(1000), 1024u);
  EXPECT_GE(CachingAllocator::round_size(1100), 1100u);
  EXPECT_LE(CachingAllocator::round_size(1100), 1100u * 9 / 8);
}

TEST(Autograd, ViewGradientsFlowToBaseAndAccumulate) {
  Tensor x = Tensor::from_vector({1, 2, 3, 4, 5, 6}, {2, 3});
  x.set_requires_grad(true);
  // Select x[:, 1:3] through a transpose and a reshape; the gradient of the sum of the
  // view is 1 on the selected elements.
  Tensor v = x.transpose(0, 1).slice(0, 1, 3).reshape({4});
  EXPECT_TRUE(v.requires_grad());
  // Sum by hand through a reshape to a scalar is not an op here; use a clone + manual seed.
  Tensor s = v.slice(0, 0, 1).reshape({1});
  s.backward();
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{0, 1, 0, 0, 0, 0}));
  EXPECT_EQ(autograd::tape_size(), 0u);
  Tensor s2 = x.reshape({6}).slice(0, 1, 2).reshape({1});
  s2.backward();  // accumulates
  EXPECT_EQ(x.grad().to_vector(), (std::vector<float>{0, 2, 0, 0, 0, 0}));
  EXPECT_THROW(s2.backward(), Error);  // graph already freed
}

TEST(Autograd, NoGradScopeRecordsNothing) {
  Tensor x = Tensor::randn({3}, 1);
  x.set_requires_grad(true);
  {
    autograd::NoGradGuard g;
    Tensor y = x.reshape({1, 3});
    EXPECT_FALSE(y.requires_grad());
  }
  EXPECT_EQ(autograd::tape_size(), 0u);
}
