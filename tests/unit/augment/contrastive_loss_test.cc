// The contrastive loss (core/ops/contrastive_loss.h) and its gradients against
// sentence-transformers' MultipleNegativesRankingLoss written in PyTorch
// (tests/reference/embedding.py `loss`): random anchors and positives of odd sizes, with and
// without hard negatives, small and large temperatures, an upstream gradient other than 1.
#include <gtest/gtest.h>

#include "core/autograd.h"
#include "core/ops.h"
#include "support/oracle.h"

using namespace lmf;
using nlohmann::json;

namespace {

struct LossCase {
  int64_t B, C, M;  // M = 0: no negatives
  float temperature, g;
};

}  // namespace

TEST(EmbedContrastiveLoss, LossAndGradientsMatchPyTorch) {
  const std::vector<LossCase> cases = {{1, 5, 0, 0.05f, 1.f}, {4, 7, 0, 0.05f, 1.f},  {5, 3, 5, 0.05f, 0.7f},
                                       {3, 9, 2, 1.f, -1.3f}, {6, 16, 1, 0.02f, 1.f}, {2, 4, 4, 0.5f, 2.f}};
  test::TensorMap in;
  json args = json::array();
  std::vector<Tensor> a, p, n;
  for (size_t i = 0; i < cases.size(); ++i) {
    const LossCase& c = cases[i];
    const std::string k = "c" + std::to_string(i) + ".";
    a.push_back(Tensor::randn({c.B, c.C}, 100 + i, 1.5f));
    p.push_back(Tensor::randn({c.B, c.C}, 200 + i, 0.5f));
    n.push_back(c.M ? Tensor::randn({c.M, c.C}, 300 + i) : Tensor());
    in[k + "a"] = a.back();
    in[k + "p"] = p.back();
    if (c.M) in[k + "n"] = n.back();
    in[k + "g"] = Tensor::full({}, c.g);
    args.push_back({{"temperature", c.temperature}});
  }
  const test::TensorMap want = test::torch_ref("embedding", "loss", in, {{"cases", args}});
  for (size_t i = 0; i < cases.size(); ++i) {
    const LossCase& c = cases[i];
    const std::string k = "c" + std::to_string(i) + ".";
    SCOPED_TRACE(k);
    a[i].set_requires_grad(true);
    p[i].set_requires_grad(true);
    if (c.M) n[i].set_requires_grad(true);
    Tensor loss = contrastive_loss(a[i], p[i], n[i], c.temperature);
    EXPECT_NEAR(loss.item(), want.at(k + "loss").item(), 1e-5 * std::max(1.0f, std::abs(want.at(k + "loss").item())));
    autograd::backward(scale(loss, c.g));
    EXPECT_LE(test::rel_error(a[i].grad(), want.at(k + "da")), 1e-5);
    EXPECT_LE(test::rel_error(p[i].grad(), want.at(k + "dp")), 1e-5);
    if (c.M) {
      EXPECT_LE(test::rel_error(n[i].grad(), want.at(k + "dn")), 1e-5);
    }
  }
}

TEST(EmbedContrastiveLoss, OnlyWantedGradientsAndShapeErrors) {
  Tensor a = Tensor::randn({3, 4}, 1), p = Tensor::randn({3, 4}, 2), n = Tensor::randn({2, 4}, 3);
  p.set_requires_grad(true);
  contrastive_loss(a, p, n, 0.1f).backward();
  EXPECT_TRUE(p.grad().defined());
  EXPECT_FALSE(a.grad().defined());
  EXPECT_FALSE(n.grad().defined());
  EXPECT_THROW(contrastive_loss(a, Tensor::randn({2, 4}, 4), {}, 0.1f), ShapeError);
  EXPECT_THROW(contrastive_loss(a, p, Tensor::randn({2, 5}, 5), 0.1f), ShapeError);
  EXPECT_THROW(contrastive_loss(a, p, {}, 0.f), ShapeError);
  EXPECT_THROW(contrastive_loss(Tensor::randn({0, 4}, 6), Tensor::randn({0, 4}, 7), {}, 0.1f), ShapeError);
}
