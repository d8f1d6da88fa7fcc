// layer_norm and rms_norm against PyTorch (tests/reference/ops_norm.py): forward and
// backward on odd channel counts (1, 3, 37, 101, 768), with and without bias, non-zero
// row means, strided input views, frozen weights and threaded row counts.
//
// Gradient checking: the ops are fp32 only, so the reference runs in double precision and
// its gradients are checked by torch.autograd.gradcheck (central differences) on the small
// cases; our gradients are compared with the reference's to 1e-4 (reductions).
#include <gtest/gtest.h>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/norm.h"
#include "unit/core/ops/op_cases.h"

using namespace lmf;
using test::CaseInput;
using test::OpCase;

namespace {

OpCase ln(std::string label, CaseInput x, int64_t C, bool bias, float eps = 1e-5f, bool frozen_w = false) {
  x.name = "x";
  std::vector<CaseInput> ins{x, {"w", {C}, {}, !frozen_w}};
  if (bias) ins.push_back({"b", {C}});
  return {"layer_norm " + label, ins, {{"op", "layer_norm"}, {"eps", eps}}, [bias, eps](auto& v) {
            // Shift x so rows have a non-zero mean, as real activations do.
            Tensor x = add_scalar(v["x"], 3.0f);
            return layer_norm(x, v["w"], bias ? v["b"] : Tensor(), eps);
          }};
}

OpCase rms(std::string label, CaseInput x, int64_t C, float eps = 1e-6f, bool frozen_w = false) {
  x.name = "x";
  return {"rms_norm " + label, {x, {"w", {C}, {}, !frozen_w}}, {{"op", "rms_norm"}, {"eps", eps}},
          [eps](auto& v) { return rms_norm(v["x"], v["w"], eps); }};
}

}  // namespace

TEST(OpsNorm, MatchesTorchForwardAndBackward) {
  std::vector<OpCase> cases{
      ln("odd", {"", {3, 37}}, 37, true),
      // With one channel LayerNorm's dx is 0 exactly (nothing but rounding noise to compare);
      // with two, dx ∝ eps / var: a large eps keeps it well-conditioned in fp32.
      ln("C=2", {"", {5, 2}}, 2, true, 0.5f),
      ln("C=3, no bias", {"", {2, 4, 3}}, 3, false),
      ln("C=101, eps 1e-3", {"", {7, 101}}, 101, true, 1e-3f),
      ln("one row", {"", {1, 101}}, 101, true),
      ln("transposed x", {"", {37, 6}, {{0, 1}}}, 37, true),
      ln("frozen weight", {"", {4, 37}}, 37, true, 1e-5f, true),
      ln("frozen x", {"", {4, 37}, {}, false}, 37, true),
      ln("threaded GPT-2 width", {"", {2, 40, 768}}, 768, true),
      rms("odd", {"", {3, 37}}, 37),
      // With one channel dx ∝ eps / (x² + eps): a large eps keeps it well-conditioned in fp32.
      rms("C=1", {"", {5, 1}}, 1, 0.5f),
      rms("C=101, eps 1e-5", {"", {2, 3, 101}}, 101, 1e-5f),
      rms("transposed x", {"", {37, 6}, {{0, 1}}}, 37),
      rms("frozen weight", {"", {4, 37}}, 37, 1e-6f, true),
      rms("threaded", {"", {2, 40, 768}}, 768),
  };
  // The layer_norm cases feed x + 3 (see ln); the reference adds the same shift.
  for (auto& c : cases)
    if (c.args["op"] == "layer_norm") c.args["shift"] = 3.0;
  test::expect_matches_torch("ops_norm", "cases", cases, 1e-4);
}

TEST(OpsNorm, ShapeErrorsNameOpAndShapes) {
  Tensor x = Tensor::randn({4, 8}, 1);
  try {
    layer_norm(x, Tensor::randn({7}, 2), Tensor());
    FAIL() << "no error";
  } catch (const ShapeError& e) {
    std::string m = e.what();
    EXPECT_EQ(m.find("layer_norm"), 0u) << m;
    EXPECT_NE(m.find("[4, 8]"), std::string::npos) << m;
    EXPECT_NE(m.find("[7]"), std::string::npos) << m;
  }
  EXPECT_THROW(layer_norm(x, Tensor::randn({8}, 2), Tensor::randn({3}, 3)), ShapeError);
  EXPECT_THROW(rms_norm(x, Tensor::randn({8, 1}, 2)), ShapeError);
  EXPECT_THROW(rms_norm(Tensor::randn({}, 1), Tensor::randn({1}, 2)), ShapeError);
}
