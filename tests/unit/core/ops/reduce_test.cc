// sum and mean against PyTorch (tests/reference/ops_reduce.py): whole-tensor and over one
// dim (every position, keepdim, negative dims), odd sizes and transposed views, forward
// and backward; results independent of the thread count.
#include <gtest/gtest.h>

#include "core/autograd.h"
#include "core/ops/reduce.h"
#include "core/threads.h"
#include "unit/core/ops/op_cases.h"

using namespace lmf;
using test::CaseInput;
using test::OpCase;

namespace {

OpCase whole(std::string op, CaseInput x) {
  x.name = "x";
  return {op + " " + x.shape.str(), {x}, {{"op", op}},
          [op](auto& v) { return op == "sum" ? sum(v["x"]) : mean(v["x"]); }};
}

OpCase over(CaseInput x, int dim, bool keepdim) {
  x.name = "x";
  return {"sum dim " + std::to_string(dim) + (keepdim ? " keepdim " : " ") + x.shape.str(), {x},
          {{"op", "sum_dim"}, {"dim", dim}, {"keepdim", keepdim}},
          [dim, keepdim](auto& v) { return sum(v["x"], dim, keepdim); }};
}

}  // namespace

TEST(OpsReduce, MatchesTorchForwardAndBackward) {
  const std::vector<std::pair<int, int>> T01{{0, 1}};
  std::vector<OpCase> cases{
      whole("sum", {"", {1}}),
      whole("sum", {"", {3, 37}}),
      whole("sum", {"", {101, 37}, T01}),
      whole("sum", {"", {70001}}),  // several fixed-size blocks
      whole("mean", {"", {5}}),
      whole("mean", {"", {2, 3, 101}}),
      whole("mean", {"", {37, 3}, T01}),
      whole("mean", {"", {40000, 3}}),
      over({"", {37}}, 0, false),
      over({"", {3, 37}}, 0, false),
      over({"", {3, 37}}, 1, true),
      over({"", {3, 37}}, -1, false),
      over({"", {2, 101, 3}}, 1, false),
      over({"", {2, 101, 3}}, 1, true),
      over({"", {2, 5, 300}}, 1, false),  // more columns than one chunk
      over({"", {1, 1, 7}}, 0, true),
      over({"", {37, 5}, T01}, 0, false),
      over({"", {4, 3, 5, 2}}, -2, true),
      over({"", {300, 513}}, 0, false),
  };
  test::expect_matches_torch("ops_reduce", "cases", cases, 1e-4);
}

TEST(OpsReduce, IndependentOfThreadCount) {
  Tensor x = Tensor::randn({300, 777}, 5);
  int saved = threads::get();
  threads::set(1);
  float a = sum(x).item(), am = mean(x).item();
  auto ad = sum(x, 0).to_vector(), ae = sum(x, 1).to_vector();
  threads::set(2);
  EXPECT_EQ(sum(x).item(), a);
  EXPECT_EQ(mean(x).item(), am);
  EXPECT_EQ(sum(x, 0).to_vector(), ad);
  EXPECT_EQ(sum(x, 1).to_vector(), ae);
  threads::set(saved);
}

TEST(OpsReduce, ShapesAndErrors) {
  Tensor x = Tensor::randn({2, 3, 4}, 1);
  EXPECT_EQ(sum(x).shape(), Shape({}));
  EXPECT_EQ(sum(x, 1).shape(), Shape({2, 4}));
  EXPECT_EQ(sum(x, 1, true).shape(), Shape({2, 1, 4}));
  EXPECT_EQ(sum(Tensor::zeros({2, 0}), 1).to_vector(), (std::vector<float>{0, 0}));
  EXPECT_TRUE(std::isnan(mean(Tensor::zeros({0})).item()));
  EXPECT_THROW(sum(x, 3), ShapeError);
  EXPECT_THROW(sum(Tensor::from_ints({1, 2}, {2})), ShapeError);
}
