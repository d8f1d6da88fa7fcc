// Benchmark cases for add / mul / scale at B·T = 2048 rows, C = 384 and 768: same-shape
// (residual add, elementwise product) and the bias row broadcast (2048,C)+(C). Every input
// takes a gradient and the gradients are dropped after each step (zero_grad, as an
// optimizer step with set_to_none does), so each call pays for a fresh gradient.
#include "bench_case.h"
#include "core/ops/elementwise.h"

namespace lmf::bench {
namespace {

constexpr int64_t kRows = 2048;

void binary_case(const std::string& op, int64_t C, bool bias) {
  static std::vector<Register> regs;
  std::string name = op + (bias ? " bias " : " ") + std::to_string(kRows) + "x" + std::to_string(C) +
                     (bias ? "+" + std::to_string(C) : "");
  regs.emplace_back(name, [=] {
    Tensor a = Tensor::randn({kRows, C}, 1).set_requires_grad(true);
    Tensor b = (bias ? Tensor::randn({C}, 2) : Tensor::randn({kRows, C}, 2)).set_requires_grad(true);
    Tensor dy = Tensor::randn({kRows, C}, 3);
    return Run{[=]() mutable {
      a.zero_grad();
      b.zero_grad();
      backward_with(op == "add" ? add(a, b) : mul(a, b), dy);
    }};
  });
}

void scale_case(int64_t C) {
  static std::vector<Register> regs;
  regs.emplace_back("scale " + std::to_string(kRows) + "x" + std::to_string(C), [=] {
    Tensor x = Tensor::randn({kRows, C}, 1).set_requires_grad(true);
    Tensor dy = Tensor::randn({kRows, C}, 3);
    return Run{[=]() mutable {
      x.zero_grad();
      backward_with(scale(x, 0.125f), dy);
    }};
  });
}

struct Cases {
  Cases() {
    for (int64_t C : {384, 768}) {
      binary_case("add", C, false);
      binary_case("add", C, true);
      binary_case("mul", C, false);
      binary_case("mul", C, true);
      scale_case(C);
    }
  }
} cases;

}  // namespace
}  // namespace lmf::bench
