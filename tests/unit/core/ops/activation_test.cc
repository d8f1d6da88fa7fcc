// gelu_tanh, gelu, silu, tanh and swiglu against PyTorch (tests/reference/ops_activation.py):
// forward and backward on odd sizes, inputs spread wide enough (scale 4) to reach the
// saturated tails, strided views, frozen inputs and threaded sizes.
//
// Gradient checking: the ops are fp32 only, so the reference runs in double precision and
// its gradients are checked by torch.autograd.gradcheck (central differences) on the small
// cases; our gradients are compared with the reference's to 1e-5.
#include <gtest/gtest.h>

#include "core/autograd.h"
#include "core/ops/activation.h"
#include "unit/core/ops/op_cases.h"

using namespace lmf;
using test::CaseInput;
using test::OpCase;

namespace {

OpCase act(const std::string& op, std::string label, CaseInput x) {
  x.name = "x";
  return {op + " " + label, {x}, {{"op", op}}, [op](auto& v) {
            if (op == "gelu_tanh") return gelu_tanh(v["x"]);
            if (op == "gelu") return gelu(v["x"]);
            if (op == "tanh") return lmf::tanh(v["x"]);
            return silu(v["x"]);
          }};
}

OpCase glu(std::string label, CaseInput gate, CaseInput up) {
  gate.name = "gate";
  up.name = "up";
  return {"swiglu " + label, {gate, up}, {{"op", "swiglu"}}, [](auto& v) { return swiglu(v["gate"], v["up"]); }};
}

}  // namespace

TEST(OpsActivation, MatchesTorchForwardAndBackward) {
  std::vector<OpCase> cases;
  for (std::string op : {"gelu_tanh", "gelu", "silu", "tanh"}) {
    cases.push_back(act(op, "odd", {"", {3, 37}}));
    cases.push_back(act(op, "one", {"", {1}}));
    cases.push_back(act(op, "wide range", {"", {101}, {}, true, 4.0f}));
    cases.push_back(act(op, "very wide range", {"", {2, 101}, {}, true, 30.0f}));
    cases.push_back(act(op, "transposed", {"", {37, 3}, {{0, 1}}}));
    cases.push_back(act(op, "threaded", {"", {8, 64, 101}, {}, true, 3.0f}));
  }
  cases.push_back(glu("odd", {"", {3, 37}}, {"", {3, 37}}));
  cases.push_back(glu("one", {"", {1}}, {"", {1}}));
  cases.push_back(glu("wide", {"", {101}, {}, true, 4.0f}, {"", {101}}));
  cases.push_back(glu("frozen up", {"", {5, 37}}, {"", {5, 37}, {}, false}));
  cases.push_back(glu("frozen gate", {"", {5, 37}, {}, false}, {"", {5, 37}}));
  cases.push_back(glu("transposed gate", {"", {37, 5}, {{0, 1}}}, {"", {5, 37}}));
  cases.push_back(glu("threaded", {"", {8, 64, 101}, {}, true, 3.0f}, {"", {8, 64, 101}}));
  test::expect_matches_torch("ops_activation", "cases", cases, 1e-5);
}

TEST(OpsActivation, ShapeErrorsNameOpAndShapes) {
  try {
    swiglu(Tensor::randn({2, 3}, 1), Tensor::randn({3, 2}, 2));
    FAIL() << "no error";
  } catch (const ShapeError& e) {
    std::string m = e.what();
    EXPECT_EQ(m.find("swiglu"), 0u) << m;
    EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
    EXPECT_NE(m.find("[3, 2]"), std::string::npos) << m;
  }
  EXPECT_THROW(gelu(Tensor::zeros({3}, DType::I32)), ShapeError);
  EXPECT_THROW(silu(Tensor()), ShapeError);
}
