// matmul and linear against PyTorch (tests/reference/ops_matmul.py): forward and backward
// on odd sizes, batched, transposed and head-split views, shared weights, frozen inputs.
//
// Gradient checking: the ops compute in fp32 only, where finite differences are too noisy
// to be a sharp test. So the reference runs in double precision, its gradients are checked
// by torch.autograd.gradcheck (central differences) on the small cases, and our fp32
// gradients are compared with the reference's to 1e-4.
#include <gtest/gtest.h>

#include "core/allocator.h"
#include "core/autograd.h"
#include "core/kernels/gemm.h"
#include "core/ops/matmul.h"
#include "unit/core/ops/op_cases.h"

using namespace lmf;
using test::CaseInput;
using test::OpCase;

namespace {

OpCase mm(std::string label, CaseInput a, CaseInput b) {
  a.name = "a";
  b.name = "b";
  return {label, {a, b}, {{"op", "matmul"}}, [](auto& v) { return matmul(v["a"], v["b"]); }};
}

OpCase lin(std::string label, CaseInput x, CaseInput w, std::optional<CaseInput> b = std::nullopt) {
  x.name = "x";
  w.name = "w";
  std::vector<CaseInput> ins{x, w};
  if (b) {
    b->name = "b";
    ins.push_back(*b);
  }
  bool bias = b.has_value();
  return {label, ins, {{"op", "linear"}},
          [bias](auto& v) { return bias ? linear(v["x"], v["w"], v["b"]) : linear(v["x"], v["w"]); }};
}

const std::vector<std::pair<int, int>> T01{{0, 1}}, T12{{1, 2}}, TLast{{-1, -2}};

}  // namespace

TEST(OpsMatmul, MatchesTorchForwardAndBackward) {
  std::vector<OpCase> cases{
      mm("2-D odd", {"", {3, 37}}, {"", {37, 101}}),
      mm("1x1", {"", {1, 1}}, {"", {1, 1}}),
      mm("vector-like", {"", {1, 37}}, {"", {37, 1}}),
      mm("batched", {"", {2, 5, 37}}, {"", {2, 37, 3}}),
      mm("both transposed", {"", {37, 5}, T01}, {"", {3, 37}, T01}),
      mm("batched transposed", {"", {2, 37, 5}, TLast}, {"", {2, 3, 37}, TLast}),
      mm("q·kᵀ over (B,T,H,D) memory", {"", {2, 7, 3, 8}, T12}, {"", {2, 7, 3, 8}, {{1, 2}, {2, 3}}}),
      mm("p·v over (B,T,H,D) memory", {"", {2, 3, 7, 7}}, {"", {2, 7, 3, 8}, T12}),
      mm("shared b, rows fold", {"", {4, 6, 37}}, {"", {37, 11}}),
      mm("shared b, transposed batch", {"", {4, 37, 6}, TLast}, {"", {37, 11}}),
      mm("shared b over heads view", {"", {2, 7, 3, 8}, T12}, {"", {8, 5}}),
      mm("unit batch dims", {"", {1, 3, 5, 4}}, {"", {1, 3, 4, 2}}),
      mm("frozen b", {"", {5, 37}}, {"", {37, 3}, {}, false}),
      mm("frozen a", {"", {5, 37}, {}, false}, {"", {37, 3}}),
      mm("transformer-sized", {"", {2, 64, 101}}, {"", {101, 96}}),
      lin("linear odd", {"", {3, 37}}, {"", {101, 37}}, CaseInput{"", {101}}),
      lin("linear batched, no bias", {"", {2, 5, 37}}, {"", {1, 37}}),
      lin("linear frozen weight and bias", {"", {1, 101}}, {"", {37, 101}, {}, false}, CaseInput{"", {37}, {}, false}),
      lin("linear 1-D x", {"", {37}}, {"", {3, 37}}, CaseInput{"", {3}}),
      lin("linear transposed x, Conv1D-layout w", {"", {37, 6}, T01}, {"", {37, 11}, T01}, CaseInput{"", {11}}),
      lin("linear over heads view", {"", {2, 7, 3, 8}, T12}, {"", {5, 8}}, CaseInput{"", {5}}),
      lin("linear frozen x", {"", {4, 9, 33}, {}, false}, {"", {17, 33}}, CaseInput{"", {17}}),
      lin("linear transformer-sized", {"", {2, 64, 96}}, {"", {288, 96}}, CaseInput{"", {288}}),
      lin("linear decoding rows, split over threads", {"", {2, 1, 256}}, {"", {301, 256}}, CaseInput{"", {301}}),
      lin("linear decoding, 7 rows (odd pair), in not a vector multiple", {"", {7, 1, 203}}, {"", {130, 203}}, CaseInput{"", {130}}),
      lin("linear decoding, 8 rows, no bias", {"", {8, 1, 256}}, {"", {301, 256}}),
  };
  test::expect_matches_torch("ops_matmul", "cases", cases, 1e-4);
}

TEST(OpsMatmul, ShapeErrorsNameOpAndShapes) {
  Tensor a = Tensor::randn({2, 3}, 1), b = Tensor::randn({4, 5}, 2);
  try {
    matmul(a, b);
    FAIL() << "no error";
  } catch (const ShapeError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("matmul"), std::string::npos) << m;
    EXPECT_NE(m.find("[2, 3]"), std::string::npos) << m;
    EXPECT_NE(m.find("[4, 5]"), std::string::npos) << m;
  }
  EXPECT_THROW(matmul(Tensor::randn({2, 2, 3}, 1), Tensor::randn({3, 3, 4}, 1)), ShapeError);
  EXPECT_THROW(matmul(Tensor::randn({3}, 1), Tensor::randn({3, 4}, 1)), ShapeError);
  EXPECT_THROW(linear(Tensor::randn({2, 3}, 1), Tensor::randn({4, 5}, 1)), ShapeError);
  EXPECT_THROW(linear(Tensor::randn({2, 3}, 1), Tensor::randn({4, 3}, 1), Tensor::randn({5}, 1)), ShapeError);
  EXPECT_THROW(linear(Tensor::randn({2, 3}, 1), Tensor::zeros({4, 3}, DType::I32)), ShapeError);
}

TEST(OpsMatmul, SteadyStateReusesPrimitivesAndMemory) {
  Tensor x = Tensor::randn({8, 16, 32}, 1), w = Tensor::randn({24, 32}, 2), b = Tensor::randn({24}, 3);
  w.set_requires_grad(true);
  b.set_requires_grad(true);
  x.set_requires_grad(true);
  Tensor g = Tensor::randn({8, 16, 24}, 4);
  auto step = [&] {
    Tensor y = linear(x, w, b);
    test::probe(y, g).backward();
  };
  step();  // gradients are stored (fresh buffers)
  step();  // gradients are added (existing buffers): the second primitive layout
  int64_t prims = kernels::gemm_primitives_created();
  uint64_t allocs = CachingAllocator::stats().system_allocs;
  for (int i = 0; i < 3; ++i) step();
  EXPECT_EQ(kernels::gemm_primitives_created(), prims);
  EXPECT_EQ(CachingAllocator::stats().system_allocs, allocs);
}

TEST(OpsMatmul, NoGradModeRecordsNothing) {
  Tensor x = Tensor::randn({4, 8}, 1), w = Tensor::randn({3, 8}, 2);
  w.set_requires_grad(true);
  autograd::NoGradGuard guard;
  Tensor y = linear(x, w);
  EXPECT_FALSE(y.requires_grad());
  EXPECT_EQ(autograd::tape_size(), 0u);
}
