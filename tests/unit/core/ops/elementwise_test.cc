// add, sub, mul (NumPy broadcasting), scale and add_scalar against PyTorch
// (tests/reference/ops_elementwise.py): forward and backward on odd sizes, every
// broadcasting pattern the kernels special-case (same shape, bias rows, (B,T,C)+(T,C),
// outer products, reductions to a column and to a scalar), strided views, frozen inputs,
// and shapes big enough to take the multi-threaded paths.
//
// Gradient checking: the ops are fp32 only, so the reference runs in double precision and
// its gradients are checked by torch.autograd.gradcheck (central differences) on the small
// cases; our gradients are compared with the reference's to 1e-5.
#include <gtest/gtest.h>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "unit/core/ops/op_cases.h"

using namespace lmf;
using test::CaseInput;
using test::OpCase;

namespace {

OpCase bin(const std::string& op, std::string label, CaseInput a, CaseInput b) {
  a.name = "a";
  b.name = "b";
  return {op + " " + label, {a, b}, {{"op", op}}, [op](auto& v) {
            if (op == "add") return add(v["a"], v["b"]);
            if (op == "sub") return sub(v["a"], v["b"]);
            return mul(v["a"], v["b"]);
          }};
}

OpCase unary(const std::string& op, std::string label, CaseInput x, float s) {
  x.name = "x";
  return {op + " " + label, {x}, {{"op", op}, {"s", s}},
          [op, s](auto& v) { return op == "scale" ? scale(v["x"], s) : add_scalar(v["x"], s); }};
}

}  // namespace

TEST(OpsElementwise, MatchesTorchForwardAndBackward) {
  std::vector<OpCase> cases;
  for (std::string op : {"add", "sub", "mul"}) {
    cases.push_back(bin(op, "same shape odd", {"", {3, 37}}, {"", {3, 37}}));
    cases.push_back(bin(op, "one element", {"", {1}}, {"", {1}}));
    cases.push_back(bin(op, "bias row", {"", {4, 37}}, {"", {37}}));
    cases.push_back(bin(op, "(B,T,C)+(T,C)", {"", {2, 5, 37}}, {"", {5, 37}}));
    cases.push_back(bin(op, "column", {"", {101, 3}}, {"", {101, 1}}));
    cases.push_back(bin(op, "outer product", {"", {5, 1}}, {"", {1, 37}}));
    cases.push_back(bin(op, "a broadcast", {"", {37}}, {"", {3, 37}}));
    cases.push_back(bin(op, "middle dim", {"", {2, 3, 4}}, {"", {3, 1}}));
    cases.push_back(bin(op, "0-dim scalar", {"", {3, 37}}, {"", {}}));
    cases.push_back(bin(op, "transposed views", {"", {37, 5}, {{0, 1}}}, {"", {37, 5}, {{0, 1}}}));
    cases.push_back(bin(op, "frozen b", {"", {4, 37}}, {"", {37}, {}, false}));
    cases.push_back(bin(op, "frozen a", {"", {4, 37}, {}, false}, {"", {4, 37}}));
    cases.push_back(bin(op, "threaded same shape", {"", {8, 64, 101}}, {"", {8, 64, 101}}));
    cases.push_back(bin(op, "threaded bias", {"", {512, 101}}, {"", {101}}));
    cases.push_back(bin(op, "threaded (B,T,C)+(T,C)", {"", {8, 64, 101}}, {"", {64, 101}}));
    cases.push_back(bin(op, "threaded row sums", {"", {512, 101}}, {"", {512, 1}}));
  }
  // a (5, 3) view of (3, 5) storage plus (5, 1) broadcast over columns after the transpose.
  cases.push_back(bin("mul", "transposed a, column b", {"", {3, 5}, {{0, 1}}}, {"", {5, 1}}));
  for (std::string op : {"scale", "add_scalar"}) {
    cases.push_back(unary(op, "odd", {"", {3, 37}}, -1.7f));
    cases.push_back(unary(op, "one", {"", {1}}, 0.25f));
    cases.push_back(unary(op, "transposed", {"", {37, 3}, {{0, 1}}}, 3.0f));
    cases.push_back(unary(op, "threaded", {"", {8, 64, 101}}, 0.5f));
  }
  test::expect_matches_torch("ops_elementwise", "cases", cases, 1e-5);
}

TEST(OpsElementwise, ShapeErrorsNameOpAndShapes) {
  Tensor a = Tensor::randn({2, 3}, 1), b = Tensor::randn({4, 3}, 2);
  for (auto f : {&add, &sub, &mul}) {
    try {
      f(a, b);
      FAIL() << "no error";
    } catch (const ShapeError& e) {
      std::string m = e.what();
      EXPECT_TRUE(m.find("add") == 0 || m.find("sub") == 0 || m.find("mul") == 0) << m;
      EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
      EXPECT_NE(m.find("[4, 3]"), std::string::npos) << m;
    }
  }
  EXPECT_THROW(add(Tensor::randn({3}, 1), Tensor::randn({4}, 1)), ShapeError);
  EXPECT_THROW(mul(Tensor::randn({3}, 1), Tensor::zeros({3}, DType::I32)), ShapeError);
  EXPECT_THROW(scale(Tensor::zeros({3}, DType::I32), 2.0f), ShapeError);
}

TEST(OpsElementwise, BroadcastShape) {
  EXPECT_EQ(broadcast_shape({2, 1, 4}, {3, 1}, "t"), Shape({2, 3, 4}));
  EXPECT_EQ(broadcast_shape({}, {5}, "t"), Shape({5}));
  EXPECT_THROW(broadcast_shape({2, 3}, {3, 2}, "t"), ShapeError);
}

TEST(OpsElementwise, GradientsAccumulateAcrossUses) {
  // x is used twice; its gradient is the sum of both paths: d/dx Σ (x·x + x) = 2x + 1.
  Tensor x = Tensor::randn({5, 7}, 3);
  x.set_requires_grad(true);
  Tensor y = add(mul(x, x), x);
  test::probe(y, Tensor::full({5, 7}, 1.0f)).backward();
  std::vector<float> xv = x.to_vector(), gv = x.grad().to_vector();
  for (size_t i = 0; i < xv.size(); ++i) EXPECT_FLOAT_EQ(gv[i], 2 * xv[i] + 1);
}
