// Benchmark cases for softmax and log_softmax over the last dim at B·T = 2048 rows of
// C = 384 and 768; x takes a gradient, dropped after each step.
#include "bench_case.h"
#include "core/ops/softmax.h"

namespace lmf::bench {
namespace {

constexpr int64_t kRows = 2048;

void softmax_case(const std::string& op, int64_t C) {
  static std::vector<Register> regs;
  regs.emplace_back(op + " " + std::to_string(kRows) + "x" + std::to_string(C), [=] {
    Tensor x = Tensor::randn({kRows, C}, 1, 3.0f).set_requires_grad(true);
    Tensor dy = Tensor::randn({kRows, C}, 2);
    return Run{[=]() mutable {
      x.zero_grad();
      backward_with(op == "softmax" ? softmax(x) : log_softmax(x), dy);
    }};
  });
}

struct Cases {
  Cases() {
    for (int64_t C : {384, 768}) {
      softmax_case("softmax", C);
      softmax_case("log_softmax", C);
    }
  }
} cases;

}  // namespace
}  // namespace lmf::bench
