// Rotary embedding against Hugging Face's rotate-half formula in PyTorch
// (tests/reference/ops_rope.py): forward and backward, odd sizes, offsets as in KV-cache
// decoding, Llama-3's theta, (B,H,T,D) views of (B,T,H,D) memory.
//
// Gradient checking: the op computes in fp32 only; the reference runs in double and its
// gradients are checked by torch.autograd.gradcheck (central differences) on the small
// cases, and our fp32 results are compared with it to 1e-5.
#include <gtest/gtest.h>

#include "core/ops/rope.h"
#include "unit/core/ops/op_cases.h"

using namespace lmf;
using test::CaseInput;
using test::OpCase;

namespace {

OpCase make(std::string label, Shape shape, int64_t start, float theta, bool heads_view = false, bool grad = true) {
  CaseInput x{"x", shape};
  if (heads_view) x.transposes = {{1, 2}};
  x.grad = grad;
  return {label, {x}, {{"start_pos", start}, {"theta", theta}}, [=](auto& v) { return rope(v["x"], start, theta); }};
}

// Per-token positions (B, T), e.g. packed examples restarting at 0.
OpCase make_positions(std::string label, Shape shape, std::vector<std::vector<int32_t>> pos, float theta,
                      bool heads_view = false) {
  CaseInput x{"x", shape};
  if (heads_view) x.transposes = {{1, 2}};
  std::vector<int32_t> flat;
  for (const auto& row : pos) flat.insert(flat.end(), row.begin(), row.end());
  Tensor p = Tensor::from_ints(flat, {int64_t(pos.size()), int64_t(pos[0].size())});
  return {label, {x}, {{"positions", pos}, {"theta", theta}}, [=](auto& v) { return rope(v["x"], p, theta); }};
}

}  // namespace

TEST(OpsRope, PerTokenPositionsMatchTorch) {
  std::vector<OpCase> cases{
      make_positions("packed rows", {2, 3, 7, 8}, {{0, 1, 2, 0, 1, 0, 1}, {0, 1, 2, 3, 4, 0, 1}}, 10000.f),
      make_positions("offset and repeats", {1, 2, 5, 16}, {{40, 41, 7, 7, 300}}, 500000.f),
      make_positions("(B,T,H,D) memory view", {2, 6, 3, 8}, {{0, 1, 2, 3, 0, 1}, {5, 6, 7, 0, 1, 2}}, 10000.f, true),
  };
  test::expect_matches_torch("ops_rope", "cases", cases, 1e-5);
  Tensor x = Tensor::randn({1, 2, 3, 4}, 1);
  EXPECT_THROW(rope(x, Tensor::from_ints({0, 1}, {1, 2})), ShapeError);
  EXPECT_THROW(rope(x, Tensor::from_ints({0, -1, 2}, {1, 3})), ShapeError);
}

TEST(OpsRope, MatchesTorchForwardAndBackward) {
  std::vector<OpCase> cases{
      make("smallest", {1, 1, 1, 2}, 0, 10000.f),
      make("tiny gradcheck", {1, 2, 3, 6}, 5, 10000.f),
      make("odd sizes", {2, 3, 37, 64}, 0, 10000.f),
      make("decode offset", {1, 2, 1, 64}, 101, 10000.f),
      make("long positions, llama-3 theta", {1, 2, 101, 128}, 3000, 500000.f),
      make("D=2, T=101", {3, 1, 101, 2}, 7, 10000.f),
      make("(B,T,H,D) memory view", {2, 37, 3, 16}, 4, 10000.f, true),
      make("no grad", {1, 2, 5, 8}, 0, 10000.f, false, false),
  };
  test::expect_matches_torch("ops_rope", "cases", cases, 1e-5);
}

TEST(OpsRope, KeepsTheHeadsViewLayoutAndChecksShapes) {
  Tensor mem = Tensor::randn({2, 5, 3, 8}, 1);  // (B, T, H, D)
  Tensor y = rope(mem.transpose(1, 2), 0);
  EXPECT_EQ(y.shape(), Shape({2, 3, 5, 8}));
  EXPECT_TRUE(y.transpose(1, 2).is_contiguous());
  EXPECT_THROW(rope(Tensor::randn({1, 2, 3, 5}, 1), 0), ShapeError);
  EXPECT_THROW(rope(Tensor::randn({2, 3, 4}, 1), 0), ShapeError);
  EXPECT_THROW(rope(Tensor::randn({1, 2, 3, 4}, 1), -1), ShapeError);
}
