// Long check (label `long`, `make test-long`): the ops against PyTorch on many random
// shapes, wider than the hand-picked cases of tests/unit/core/ops/. Each family draws its cases
// from a fixed seed (so a failure names a case that can be rerun): sizes from 1 to a few
// hundred, batch dims, transposed views, frozen inputs, and for attention grouped-query
// heads, queries aligned to the end of longer keys, masks and (B,T,H,D) memory. Every output
// and gradient must equal the double-precision reference (tests/reference/ops_*.py through
// tests/reference/op_cases.py) to 1e-4 max-norm relative error, as in the unit tests.
#include <gtest/gtest.h>

#include <random>

#include "core/ops/activation.h"
#include "core/ops/attention.h"
#include "core/ops/elementwise.h"
#include "core/ops/matmul.h"
#include "core/ops/norm.h"
#include "core/ops/softmax.h"
#include "unit/core/ops/op_cases.h"

using namespace lmf;
using test::CaseInput;
using test::OpCase;

namespace {

constexpr double kTol = 1e-4;
constexpr int kCasesPerFamily = 400;

// Draws of sizes and choices for one family, from a fixed seed.
struct Draw {
  std::mt19937_64 rng;
  explicit Draw(uint64_t seed) : rng(seed) {}
  int64_t size(int64_t lo, int64_t hi) { return std::uniform_int_distribution<int64_t>(lo, hi)(rng); }
  bool chance(double p) { return std::bernoulli_distribution(p)(rng); }
  Shape batch() {  // 0 to 2 leading dims
    Shape s;
    for (int64_t n = size(0, 2); n > 0; --n) s.push_back(size(1, 4));
    return s;
  }
};

Shape with(Shape batch, std::initializer_list<int64_t> last) {
  for (int64_t d : last) batch.push_back(d);
  return batch;
}

// An input whose op-side view has shape `view`; stored transposed in its last two dims
// (the op reads a strided view) when `transposed`.
CaseInput input(const char* name, Shape view, bool transposed, bool grad = true) {
  const int n = view.ndim();
  if (!transposed || n < 2) return {name, view, {}, grad};
  std::swap(view[n - 1], view[n - 2]);
  return {name, view, {{-1, -2}}, grad};
}

}  // namespace

TEST(LongOpsSweep, MatmulAndLinear) {
  Draw d(101);
  std::vector<OpCase> cases;
  for (int i = 0; i < kCasesPerFamily; ++i) {
    const Shape batch = d.batch();
    const int64_t M = d.size(1, 130), K = d.size(1, 300), N = d.size(1, 300);
    if (i % 2 == 0) {
      // b is shared over a's batch dims half of the time.
      const Shape bb = d.chance(0.5) ? Shape{} : batch;
      CaseInput a = input("a", with(batch, {M, K}), d.chance(0.3), !d.chance(0.15));
      CaseInput b = input("b", with(bb, {K, N}), d.chance(0.3), !d.chance(0.15));
      cases.push_back({"matmul a" + a.shape.str() + " b" + b.shape.str(), {a, b}, {{"op", "matmul"}},
                       [](auto& v) { return matmul(v["a"], v["b"]); }});
    } else {
      const bool bias = d.chance(0.6);
      std::vector<CaseInput> ins{input("x", with(batch, {M, K}), d.chance(0.3), !d.chance(0.15)),
                                 input("w", {N, K}, d.chance(0.3), !d.chance(0.15))};
      if (bias) ins.push_back({"b", {N}, {}, !d.chance(0.15)});
      cases.push_back({"linear x" + ins[0].shape.str() + " w" + ins[1].shape.str() + (bias ? " +b" : ""),
                       ins, {{"op", "linear"}},
                       [bias](auto& v) { return bias ? linear(v["x"], v["w"], v["b"]) : linear(v["x"], v["w"]); }});
    }
  }
  test::expect_matches_torch("ops_matmul", "cases", cases, kTol);
}

TEST(LongOpsSweep, SoftmaxAndLogSoftmax) {
  Draw d(202);
  std::vector<OpCase> cases;
  for (int i = 0; i < kCasesPerFamily; ++i) {
    const std::string op = i % 2 ? "log_softmax" : "softmax";
    const Shape shape = with(d.batch(), {d.size(1, 64), d.size(1, 1000)});
    const float scale_by = d.chance(0.5) ? 1.0f : 4.0f, shift = d.chance(0.2) ? 100.0f : 0.0f;
    cases.push_back({op + " " + shape.str(), {{"x", shape}}, {{"op", op}, {"scale", scale_by}, {"shift", shift}},
                     [op, scale_by, shift](auto& v) {
                       Tensor x = add_scalar(scale(v["x"], scale_by), shift);
                       return op == "softmax" ? softmax(x) : log_softmax(x);
                     }});
  }
  test::expect_matches_torch("ops_softmax", "cases", cases, kTol);
}

TEST(LongOpsSweep, LayerNormAndRmsNorm) {
  Draw d(303);
  std::vector<OpCase> cases;
  for (int i = 0; i < kCasesPerFamily; ++i) {
    // At least 8 channels: with one or two, LayerNorm's dx is rounding noise in fp32
    // (tests/unit/core/ops/norm_test.cc covers those with a large eps).
    const int64_t C = d.size(8, 800);
    const Shape shape = with(d.batch(), {d.size(1, 64), C});
    const bool frozen_w = d.chance(0.15);
    if (i % 2 == 0) {
      const bool bias = d.chance(0.7);
      std::vector<CaseInput> ins{{"x", shape}, {"w", {C}, {}, !frozen_w}};
      if (bias) ins.push_back({"b", {C}});
      // The reference adds the same shift of 3 to x: rows with a non-zero mean.
      cases.push_back({"layer_norm " + shape.str(), ins, {{"op", "layer_norm"}, {"eps", 1e-5}, {"shift", 3.0}},
                       [bias](auto& v) {
                         return layer_norm(add_scalar(v["x"], 3.0f), v["w"], bias ? v["b"] : Tensor(), 1e-5f);
                       }});
    } else {
      cases.push_back({"rms_norm " + shape.str(), {{"x", shape}, {"w", {C}, {}, !frozen_w}},
                       {{"op", "rms_norm"}, {"eps", 1e-6}}, [](auto& v) { return rms_norm(v["x"], v["w"], 1e-6f); }});
    }
  }
  test::expect_matches_torch("ops_norm", "cases", cases, kTol);
}

TEST(LongOpsSweep, Activations) {
  Draw d(404);
  const std::vector<std::string> ops{"gelu_tanh", "gelu", "silu", "tanh", "swiglu"};
  std::vector<OpCase> cases;
  for (int i = 0; i < kCasesPerFamily; ++i) {
    const std::string op = ops[size_t(i) % ops.size()];
    const Shape shape = with(d.batch(), {d.size(1, 64), d.size(1, 700)});
    const bool transposed = d.chance(0.3);
    const std::string label = op + " " + shape.str() + (transposed ? " transposed" : "");
    if (op == "swiglu") {
      cases.push_back({label, {input("gate", shape, transposed), input("up", shape, transposed, !d.chance(0.2))},
                       {{"op", op}}, [](auto& v) { return swiglu(v["gate"], v["up"]); }});
      continue;
    }
    CaseInput x = input("x", shape, transposed);
    x.scale = 3.0f;  // reach the tails, where the approximations differ most
    cases.push_back({label, {x}, {{"op", op}}, [op](auto& v) {
                       if (op == "gelu_tanh") return gelu_tanh(v["x"]);
                       if (op == "gelu") return gelu(v["x"]);
                       if (op == "tanh") return lmf::tanh(v["x"]);
                       return silu(v["x"]);
                     }});
  }
  test::expect_matches_torch("ops_activation", "cases", cases, kTol);
}

TEST(LongOpsSweep, Attention) {
  Draw d(505);
  std::vector<OpCase> cases;
  for (int i = 0; i < kCasesPerFamily; ++i) {
    const int64_t B = d.size(1, 2), Hkv = d.size(1, 3), Hq = Hkv * d.size(1, 3), D = d.size(1, 64);
    const int64_t T = d.size(1, 150), S = T + (d.chance(0.4) ? d.size(1, 100) : 0);
    const bool causal = d.chance(0.6), heads_view = d.chance(0.3);
    const int mask = d.chance(0.25) ? (d.chance(0.5) ? 2 : 4) : 0;
    const float scale_by = d.chance(0.2) ? 0.3f : 0.0f;
    auto qkv = [&](const char* name, int64_t H, int64_t N) {
      // (B, H, N, D), or a (B,H,N,D) view of (B, N, H, D) memory.
      CaseInput in{name, heads_view ? Shape{B, N, H, D} : Shape{B, H, N, D}};
      if (heads_view) in.transposes = {{1, 2}};
      in.grad = !d.chance(0.15);
      return in;
    };
    std::vector<CaseInput> ins{qkv("q", Hq, T), qkv("k", Hkv, S), qkv("v", Hkv, S)};
    if (mask) ins.push_back({"mask", mask == 2 ? Shape{T, S} : Shape{B, 1, T, S}, {}, false, 2.0f});
    const std::string label = "attention B=" + std::to_string(B) + " Hq=" + std::to_string(Hq) + " Hkv=" +
                              std::to_string(Hkv) + " T=" + std::to_string(T) + " S=" + std::to_string(S) +
                              " D=" + std::to_string(D) + (causal ? " causal" : "") +
                              (mask ? " mask" + std::to_string(mask) : "") + (heads_view ? " heads-view" : "");
    cases.push_back({label, ins, {{"causal", causal}, {"scale", scale_by}}, [causal, scale_by](auto& v) {
                       AttentionOptions opt;
                       opt.causal = causal;
                       opt.scale = scale_by;
                       if (v.count("mask")) opt.mask = v["mask"];
                       return attention(v["q"], v["k"], v["v"], opt);
                     }});
  }
  test::expect_matches_torch("ops_attention", "cases", cases, kTol);
}
