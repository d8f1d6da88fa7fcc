// LMF_CHECK_SHAPE (core/error.h): the message is built only when the check fails, and a
// failing check of each op still gives its exact message (op name, shapes, the rule).
#include <gtest/gtest.h>

#include <string>

#include "core/error.h"
#include "core/ops.h"

using namespace lmf;

namespace {

// The message of the ShapeError that f throws, or "no error".
template <class F>
std::string shape_error(F&& f) {
  try {
    f();
  } catch (const ShapeError& e) {
    return e.what();
  }
  return "no error";
}

}  // namespace

TEST(ShapeCheck, MessageIsBuiltOnlyWhenTheCheckFails) {
  int built = 0;
  auto message = [&] {
    ++built;
    return std::string("x [2] is wrong");
  };
  LMF_CHECK_SHAPE(1 + 1 == 2, "op", message());
  EXPECT_EQ(built, 0);
  EXPECT_EQ(shape_error([&] { LMF_CHECK_SHAPE(1 + 1 == 3, "op", message()); }), "op: x [2] is wrong");
  EXPECT_EQ(built, 1);
}

TEST(ShapeCheck, EachOpKeepsItsMessage) {
  const Tensor a = Tensor::randn({2, 3}, 1), b = Tensor::randn({4, 5}, 2);
  EXPECT_EQ(shape_error([&] { matmul(a, b); }), "matmul: a f32[2, 3] and b f32[4, 5]: inner dims differ");
  EXPECT_EQ(shape_error([&] { linear(a, b); }), "linear: x f32[2, 3] and w f32[4, 5]: need x (..., in) and w (out, in)");
  const Tensor q = Tensor::randn({1, 6, 4, 8}, 3), k = Tensor::randn({1, 4, 4, 8}, 4);
  EXPECT_EQ(shape_error([&] { attention(q, k, k); }),
            "attention: q f32[1, 6, 4, 8], k f32[1, 4, 4, 8], v f32[1, 4, 4, 8]: Hq must be a multiple of Hkv");
  EXPECT_EQ(shape_error([&] { add(a, b); }), "add: shapes [2, 3] and [4, 5] do not broadcast (dim 0)");
  EXPECT_EQ(shape_error([&] { layer_norm(a, Tensor::randn({7}, 5), Tensor()); }),
            "layer_norm: w [7] does not match x [2, 3] (want [3])");
  EXPECT_EQ(shape_error([&] { swiglu(a, b); }), "swiglu: gate [2, 3] and up [4, 5] must have equal shapes");
  EXPECT_EQ(shape_error([&] { softmax(Tensor::randn({}, 6)); }), "softmax: x [] needs a last dim");
  EXPECT_EQ(shape_error([&] { rope(a, 0); }), "rope: x f32[2, 3]: need (B, H, T, D) with D even");
  EXPECT_EQ(shape_error([&] { embedding(Tensor::from_ints({7}, {1}), Tensor::randn({5, 3}, 7)); }),
            "embedding: id 7 at position 0 of ids [1] is outside [0, V) for V = 5 (table [5, 3])");
  EXPECT_EQ(shape_error([&] { concat({a, b}, 0); }),
            "concat: shapes must match except in dim 0, got [2, 3], [4, 5]");
  EXPECT_EQ(shape_error([&] { split(a, {1, 3}, 1); }), "split: sizes [1, 3] sum to 4, but dim 1 of [2, 3] is 3");
  EXPECT_EQ(shape_error([&] { a.reshape({4}); }), "reshape: cannot reshape f32[2, 3] to [4]");
}
