// Fused attention against PyTorch's explicit composition (tests/reference/ops_attention.py):
// forward and backward for causal and bidirectional attention, additive masks, grouped-query
// heads, queries aligned to the end of a longer key sequence, (B,T,H,D) memory read through
// transposed views, odd sizes and multi-tile lengths.
//
// Gradient checking: attention computes in fp32 only, where finite differences are too
// noisy to be sharp. The reference runs in double precision and its own gradients are
// checked by torch.autograd.gradcheck (central differences) on the small cases; our fp32
// gradients are compared with the reference's to 1e-4.
#include <gtest/gtest.h>

#include "core/allocator.h"
#include "core/ops/attention.h"
#include "core/threads.h"
#include "unit/core/ops/op_cases.h"

using namespace lmf;
using test::CaseInput;
using test::OpCase;

namespace {

struct Spec {
  std::string label;
  int64_t B, Hq, Hkv, T, S, D;
  bool causal = false;
  int mask = 0;  // 0 none, 2 = (T, S), 4 = (B, 1, T, S)
  bool heads_view = false;  // q, k, v read from (B, T, H, D) memory
  bool gq = true, gk = true, gv = true;
  float scale = 0.0f;
};

OpCase make(const Spec& s) {
  auto input = [&](const char* name, int64_t H, int64_t N, bool grad) {
    CaseInput in{name, s.heads_view ? Shape{s.B, N, H, s.D} : Shape{s.B, H, N, s.D}};
    if (s.heads_view) in.transposes = {{1, 2}};
    in.grad = grad;
    return in;
  };
  std::vector<CaseInput> ins{input("q", s.Hq, s.T, s.gq), input("k", s.Hkv, s.S, s.gk), input("v", s.Hkv, s.S, s.gv)};
  if (s.mask) {
    Shape ms = s.mask == 2 ? Shape{s.T, s.S} : Shape{s.B, 1, s.T, s.S};
    ins.push_back(CaseInput{"mask", ms, {}, false, 2.0f});
  }
  return {s.label, ins, {{"causal", s.causal}, {"scale", s.scale}}, [s](auto& v) {
            AttentionOptions opt;
            opt.causal = s.causal;
            opt.scale = s.scale;
            if (v.count("mask")) opt.mask = v["mask"];
            return attention(v["q"], v["k"], v["v"], opt);
          }};
}

}  // namespace

TEST(OpsAttention, MatchesTorchForwardAndBackward) {
  std::vector<Spec> specs{
      {"single element", 1, 1, 1, 1, 1, 1},
      {"causal tiny", 1, 2, 2, 3, 3, 4, true},
      {"causal odd", 2, 3, 3, 37, 37, 16, true},
      {"bidirectional T<S", 1, 2, 2, 37, 101, 8},
      {"gqa 6/2 causal multi-tile", 1, 6, 2, 70, 70, 64, true},
      {"gqa 6/2 causal decode T<S", 2, 6, 2, 3, 101, 16, true},
      {"gqa 6/2 bidirectional", 1, 6, 2, 37, 37, 8},
      {"mask (T,S)", 2, 2, 2, 37, 37, 8, false, 2},
      {"mask (B,1,T,S) causal", 2, 2, 1, 5, 37, 8, true, 4},
      {"(B,T,H,D) memory views", 2, 3, 3, 37, 37, 16, true, 0, true},
      {"frozen k and v", 1, 2, 2, 37, 37, 8, true, 0, false, true, false, false},
      {"frozen q", 1, 2, 1, 37, 37, 8, false, 0, false, false, true, true},
      {"custom scale", 1, 2, 2, 5, 7, 8, false, 0, false, true, true, true, 0.3f},
      {"odd head size, many tiles", 1, 2, 2, 101, 101, 3, true},
      {"three tiles, D=32", 1, 1, 1, 130, 130, 32, true},
      {"tiny gradcheck gqa mask", 1, 2, 1, 3, 4, 3, true, 2},
  };
  std::vector<OpCase> cases;
  for (auto& s : specs) cases.push_back(make(s));
  test::expect_matches_torch("ops_attention", "cases", cases, 1e-4);
}

TEST(OpsAttention, ShapeErrors) {
  Tensor q = Tensor::randn({1, 6, 4, 8}, 1), k = Tensor::randn({1, 4, 4, 8}, 2);
  try {
    attention(q, k, k);
    FAIL() << "no error";
  } catch (const ShapeError& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("attention"), std::string::npos) << m;
    EXPECT_NE(m.find("[1, 6, 4, 8]"), std::string::npos) << m;
    EXPECT_NE(m.find("[1, 4, 4, 8]"), std::string::npos) << m;
  }
  Tensor k2 = Tensor::randn({1, 2, 4, 8}, 2);
  EXPECT_THROW(attention(q, k2, Tensor::randn({1, 2, 5, 8}, 3)), ShapeError);  // k, v differ
  EXPECT_THROW(attention(q, Tensor::randn({1, 2, 4, 7}, 2), Tensor::randn({1, 2, 4, 7}, 3)), ShapeError);
  AttentionOptions causal;
  causal.causal = true;
  EXPECT_THROW(attention(q, Tensor::randn({1, 2, 3, 8}, 2), Tensor::randn({1, 2, 3, 8}, 3), causal), ShapeError);
  AttentionOptions bad_mask;
  bad_mask.mask = Tensor::randn({4, 5}, 4);
  EXPECT_THROW(attention(q, k2, k2, bad_mask), ShapeError);
}

TEST(OpsAttention, BitIdenticalAcrossRunsAndThreadCounts) {
  Tensor q = Tensor::randn({2, 6, 100, 32}, 1), k = Tensor::randn({2, 2, 100, 32}, 2), v = Tensor::randn({2, 2, 100, 32}, 3);
  Tensor g = Tensor::randn({2, 6, 100, 32}, 4);
  AttentionOptions opt;
  opt.causal = true;
  auto run = [&](int nthreads) {
    threads::set(nthreads);
    Tensor qq = q.clone().set_requires_grad(true), kk = k.clone().set_requires_grad(true),
           vv = v.clone().set_requires_grad(true);
    Tensor y = attention(qq, kk, vv, opt);
    test::probe(y, g).backward();
    std::vector<float> all = y.to_vector();
    for (Tensor t : {qq.grad(), kk.grad(), vv.grad()}) {
      std::vector<float> x = t.to_vector();
      all.insert(all.end(), x.begin(), x.end());
    }
    return all;
  };
  int before = threads::get();
  std::vector<float> a = run(2), b = run(2), c = run(1);
  threads::set(before);
  EXPECT_EQ(a, b);
  EXPECT_EQ(a, c);
}

TEST(OpsAttention, SteadyStateMakesNoSystemAllocation) {
  Tensor q = Tensor::randn({1, 4, 64, 16}, 1).set_requires_grad(true);
  Tensor k = Tensor::randn({1, 2, 64, 16}, 2).set_requires_grad(true);
  Tensor v = Tensor::randn({1, 2, 64, 16}, 3).set_requires_grad(true);
  Tensor g = Tensor::randn({1, 4, 64, 16}, 4);
  auto step = [&] { test::probe(attention(q, k, v), g).backward(); };
  step();
  step();
  uint64_t before = CachingAllocator::stats().system_allocs;
  for (int i = 0; i < 3; ++i) step();
  EXPECT_EQ(CachingAllocator::stats().system_allocs, before);
}
