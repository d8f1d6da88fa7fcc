// concat and split against PyTorch (tests/reference/ops_concat.py): every dim, odd sizes,
// transposed views, zero-size pieces, frozen inputs, unused pieces; and shape errors.
#include <gtest/gtest.h>

#include "core/ops/concat.h"
#include "unit/core/ops/op_cases.h"

using namespace lmf;
using test::CaseInput;
using test::OpCase;

namespace {

OpCase cat(std::vector<CaseInput> xs, int dim) {
  std::string label = "concat dim " + std::to_string(dim);
  for (size_t k = 0; k < xs.size(); ++k) {
    xs[k].name = "x" + std::to_string(k);
    label += " " + xs[k].shape.str();
  }
  size_t n = xs.size();
  return {label, xs, {{"op", "concat"}, {"dim", dim}}, [n, dim](auto& v) {
            std::vector<Tensor> in;
            for (size_t k = 0; k < n; ++k) in.push_back(v["x" + std::to_string(k)]);
            return concat(in, dim);
          }};
}

// The pieces of split(x, sizes, dim) listed in `take`, concatenated in that order.
OpCase spl(CaseInput x, std::vector<int64_t> sizes, int dim, std::vector<int> take) {
  x.name = "x";
  return {"split dim " + std::to_string(dim) + " " + x.shape.str(), {x},
          {{"op", "split"}, {"dim", dim}, {"sizes", sizes}, {"take", take}}, [=](auto& v) {
            auto pieces = split(v["x"], sizes, dim);
            std::vector<Tensor> chosen;
            for (int k : take) chosen.push_back(pieces[k]);
            return concat(chosen, dim);
          }};
}

const std::vector<std::pair<int, int>> T01{{0, 1}}, T12{{1, 2}};

}  // namespace

TEST(OpsConcat, MatchesTorchForwardAndBackward) {
  std::vector<OpCase> cases{
      cat({{"", {1}}, {"", {1}}}, 0),
      cat({{"", {3, 37}}, {"", {5, 37}}, {"", {1, 37}}}, 0),
      cat({{"", {3, 37}}, {"", {3, 1}}, {"", {3, 101}}}, 1),
      cat({{"", {3, 37}}, {"", {3, 5}}}, -1),
      cat({{"", {2, 3, 5}}, {"", {2, 7, 5}}}, 1),
      cat({{"", {37, 3}, T01}, {"", {3, 4}}}, 1),                     // transposed input
      cat({{"", {2, 4, 3}, T12}, {"", {2, 3, 5}, {}, false}}, 2),     // frozen input
      cat({{"", {4, 64, 96}}, {"", {4, 64, 96}}, {"", {4, 64, 96}}}, 2),  // qkv-sized
      spl({"", {7}}, {3, 4}, 0, {0, 1}),
      spl({"", {5, 37}}, {1, 3, 1}, 0, {2, 0}),                       // piece 1 unused
      spl({"", {3, 101}}, {37, 0, 64}, 1, {2, 1, 0}),
      spl({"", {2, 9, 3}}, {4, 5}, -2, {1}),
      spl({"", {37, 6}, T01}, {2, 2, 2}, 0, {1, 2}),                  // transposed input
      spl({"", {4, 64, 288}}, {96, 96, 96}, 2, {1, 0, 2}),
  };
  test::expect_matches_torch("ops_concat", "cases", cases, 1e-5);
}

TEST(OpsConcat, ShapeErrorsNameOpAndShapes) {
  try {
    concat({Tensor::zeros({2, 3}), Tensor::zeros({4, 5})}, 0);
    FAIL() << "no error";
  } catch (const ShapeError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("concat"), std::string::npos) << m;
    EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
    EXPECT_NE(m.find("[4, 5]"), std::string::npos) << m;
  }
  EXPECT_THROW(concat({}, 0), ShapeError);
  EXPECT_THROW(concat({Tensor::zeros({2, 3}), Tensor::zeros({2, 3, 1})}, 0), ShapeError);
  EXPECT_THROW(concat({Tensor::zeros({2, 3})}, 2), ShapeError);
  try {
    split(Tensor::zeros({2, 7}), {3, 3}, 1);
    FAIL() << "no error";
  } catch (const ShapeError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("split"), std::string::npos) << m;
    EXPECT_NE(m.find("[2, 7]"), std::string::npos) << m;
  }
  EXPECT_THROW(split(Tensor::zeros({4}), {5, -1}, 0), ShapeError);
  EXPECT_EQ(concat({Tensor::zeros({2, 3}), Tensor::zeros({2, 4})}, 1).shape(), Shape({2, 7}));
  EXPECT_EQ(split(Tensor::zeros({2, 7}), {3, 4}, 1)[1].shape(), Shape({2, 4}));
  // An empty piece takes no room.
  Tensor a = Tensor::from_vector({1, 2, 3, 4}, {2, 2});
  EXPECT_EQ(concat({Tensor::zeros({2, 0}), a}, 1).to_vector(), a.to_vector());
}
