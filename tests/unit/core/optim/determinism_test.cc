// Run-to-run determinism: a few training steps (matmul, dropout, split/concat, sums,
// clipping, AdamW) give bit-identical weights when repeated with the same seed and
// thread count. The shapes are large enough for every kernel to take its parallel path.
#include <gtest/gtest.h>

#include "core/ops/concat.h"
#include "core/ops/dropout.h"
#include "core/ops/matmul.h"
#include "core/ops/reduce.h"
#include "core/optim/adamw.h"
#include "core/optim/clip.h"
#include "core/threads.h"

using namespace lmf;

namespace {

std::vector<float> train(int threads_n) {
  threads::set(threads_n);
  Tensor w = Tensor::randn({384, 96}, 1, 0.02f), b = Tensor::randn({384}, 2, 0.02f);
  w.set_requires_grad(true);
  b.set_requires_grad(true);
  optim::AdamW opt(optim::decay_groups({{"w", w}, {"b", b}}, 0.1), {3e-3, 0.9, 0.95, 1e-8});
  for (int step = 0; step < 4; ++step) {
    Tensor x = Tensor::randn({1024, 96}, 10 + step);
    Tensor h = dropout(linear(x, w, b), 0.1f, 100 + step);  // (1024, 384)
    auto parts = split(h, {128, 256}, 1);
    Tensor y = concat({parts[1], parts[0]}, 1);           // (1024, 384), columns rotated
    Tensor loss = mean(sum(y, 0));                        // Σ over rows, mean over columns
    opt.zero_grad();
    loss.backward();
    optim::clip_grad_norm(opt, 0.5);
    opt.step();
  }
  std::vector<float> out = w.to_vector();
  for (float v : b.to_vector()) out.push_back(v);
  return out;
}

}  // namespace

TEST(Determinism, RepeatedTrainingIsBitIdenticalForAFixedThreadCount) {
  int saved = threads::get();
  for (int n : {1, 2}) EXPECT_EQ(train(n), train(n)) << n << " threads";
  threads::set(saved);
}
