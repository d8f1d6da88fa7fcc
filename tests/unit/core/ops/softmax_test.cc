// softmax and log_softmax against PyTorch (tests/reference/ops_softmax.py): forward and
// backward over odd last dims (1, 3, 37, 101) and a GPT-2-sized vocabulary row, logits
// beyond exp's fp32 range, strided views and threaded row counts.
//
// Gradient checking: the ops are fp32 only, so the reference runs in double precision and
// its gradients are checked by torch.autograd.gradcheck (central differences) on the small
// cases; our gradients are compared with the reference's to 1e-4 (reductions).
#include <gtest/gtest.h>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/ops/softmax.h"
#include "unit/core/ops/op_cases.h"

using namespace lmf;
using test::CaseInput;
using test::OpCase;

namespace {

// The op sees x · scale + shift (shift 100 makes logits whose exponentials overflow fp32
// unless the row max is subtracted first).
OpCase sm(const std::string& op, std::string label, CaseInput x, float scale_by = 1.0f, float shift = 0.0f) {
  x.name = "x";
  return {op + " " + label, {x}, {{"op", op}, {"scale", scale_by}, {"shift", shift}}, [op, scale_by, shift](auto& v) {
            Tensor x = add_scalar(scale(v["x"], scale_by), shift);
            return op == "softmax" ? softmax(x) : log_softmax(x);
          }};
}

}  // namespace

TEST(OpsSoftmax, MatchesTorchForwardAndBackward) {
  std::vector<OpCase> cases;
  for (std::string op : {"softmax", "log_softmax"}) {
    cases.push_back(sm(op, "odd", {"", {3, 37}}));
    cases.push_back(sm(op, "V=1", {"", {4, 1}}));
    cases.push_back(sm(op, "V=3, 3-D", {"", {2, 5, 3}}));
    cases.push_back(sm(op, "one row V=101", {"", {101}}));
    cases.push_back(sm(op, "large logits", {"", {3, 101}}, 1.0f, 100.0f));
    cases.push_back(sm(op, "transposed", {"", {37, 6}, {{0, 1}}}));
    cases.push_back(sm(op, "vocabulary row", {"", {2, 50257}}, 3.0f));
    cases.push_back(sm(op, "threaded", {"", {64, 768}}));
  }
  test::expect_matches_torch("ops_softmax", "cases", cases, 1e-4);
}

TEST(OpsSoftmax, ShapeErrorsNameOp) {
  try {
    softmax(Tensor::randn({}, 1));
    FAIL() << "no error";
  } catch (const ShapeError& e) {
    EXPECT_EQ(std::string(e.what()).find("softmax"), 0u) << e.what();
  }
  EXPECT_THROW(log_softmax(Tensor::zeros({3}, DType::I32)), ShapeError);
}
