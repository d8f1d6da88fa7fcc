// Benchmark cases for gelu_tanh, gelu, silu and swiglu on the MLP's hidden activations:
// B·T = 2048 rows of 4·C for C = 384 and 768. Inputs take gradients, dropped after each
// step as an optimizer's zero_grad does.
#include "bench_case.h"
#include "core/ops/activation.h"

namespace lmf::bench {
namespace {

constexpr int64_t kRows = 2048;

void act_case(const std::string& op, int64_t H) {
  static std::vector<Register> regs;
  regs.emplace_back(op + " " + std::to_string(kRows) + "x" + std::to_string(H), [=] {
    Tensor x = Tensor::randn({kRows, H}, 1).set_requires_grad(true);
    Tensor u = Tensor::randn({kRows, H}, 2).set_requires_grad(true);
    Tensor dy = Tensor::randn({kRows, H}, 3);
    return Run{[=]() mutable {
      x.zero_grad();
      u.zero_grad();
      Tensor y = op == "gelu_tanh" ? gelu_tanh(x) : op == "gelu" ? gelu(x) : op == "silu" ? silu(x) : swiglu(x, u);
      backward_with(y, dy);
    }};
  });
}

struct Cases {
  Cases() {
    for (int64_t C : {384, 768})
      for (const char* op : {"gelu_tanh", "gelu", "silu", "swiglu"}) act_case(op, 4 * C);
  }
} cases;

}  // namespace
}  // namespace lmf::bench
