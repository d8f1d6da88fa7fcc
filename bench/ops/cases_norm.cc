// Benchmark cases for layer_norm and rms_norm at B·T = 2048 rows, C = 384 and 768; x, w
// (and b) take gradients, dropped after each step as an optimizer's zero_grad does.
#include "bench_case.h"
#include "core/ops/norm.h"

namespace lmf::bench {
namespace {

constexpr int64_t kRows = 2048;

void norm_case(const std::string& op, int64_t C) {
  static std::vector<Register> regs;
  regs.emplace_back(op + " " + std::to_string(kRows) + "x" + std::to_string(C), [=] {
    Tensor x = Tensor::randn({kRows, C}, 1).set_requires_grad(true);
    Tensor w = Tensor::rand({C}, 2, 0.5f, 1.5f).set_requires_grad(true);
    Tensor b = Tensor::randn({C}, 3).set_requires_grad(true);
    Tensor dy = Tensor::randn({kRows, C}, 4);
    return Run{[=]() mutable {
      x.zero_grad();
      w.zero_grad();
      b.zero_grad();
      backward_with(op == "layer_norm" ? layer_norm(x, w, b) : rms_norm(x, w), dy);
    }};
  });
}

struct Cases {
  Cases() {
    for (int64_t C : {384, 768}) {
      norm_case("layer_norm", C);
      norm_case("rms_norm", C);
    }
  }
} cases;

}  // namespace
}  // namespace lmf::bench
