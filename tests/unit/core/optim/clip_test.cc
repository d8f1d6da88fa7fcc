// Global-norm clipping against torch.nn.utils.clip_grad_norm_: the total norm, clipped
// gradients when the norm is above max_norm, untouched ones below; parameters without a
// gradient are skipped.
#include <gtest/gtest.h>

#include "core/autograd.h"
#include "core/optim/clip.h"
#include "support/oracle.h"

using namespace lmf;

TEST(ClipGradNorm, MatchesTorch) {
  std::vector<Shape> shapes{{37, 5}, {101}, {1}, {3, 7, 2}, {50000}};
  test::TensorMap in;
  for (size_t i = 0; i < shapes.size(); ++i) in["g." + std::to_string(i)] = Tensor::randn(shapes[i], 300 + i, 0.01f);
  const std::vector<double> max_norms{0.1, 1.0, 1e3};
  const int no_grad = 2;
  auto ref = test::torch_ref("optim", "clip_grad_norm", in, {{"max_norms", max_norms}, {"no_grad", {no_grad}}});
  for (size_t c = 0; c < max_norms.size(); ++c) {
    std::vector<Tensor> ps;
    for (size_t i = 0; i < shapes.size(); ++i) {
      Tensor p = Tensor::zeros(shapes[i]);
      p.set_requires_grad(true);
      if (int(i) != no_grad) autograd::GradSink(p).accumulate(in.at("g." + std::to_string(i)));
      ps.push_back(p);
    }
    std::string pre = "c" + std::to_string(c) + ".";
    float total = optim::clip_grad_norm(ps, max_norms[c]);
    EXPECT_NEAR(total, ref.at(pre + "total").item(), 1e-6 * total) << "max_norm " << max_norms[c];
    for (size_t i = 0; i < shapes.size(); ++i) {
      if (int(i) == no_grad) {
        EXPECT_FALSE(ps[i].grad().defined());
        continue;
      }
      EXPECT_LE(test::rel_error(ps[i].grad(), ref.at(pre + "g." + std::to_string(i))), 1e-6)
          << "max_norm " << max_norms[c] << " param " << i;
    }
  }
}
