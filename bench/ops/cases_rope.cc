// Benchmark cases for rotary embedding at the attention shapes, applied to a (B,H,T,D) view
// of (B,T,H,D) memory as a model applies it to q and k.
#include "bench_case.h"
#include "core/ops/rope.h"

namespace lmf::bench {
namespace {

void rope_case(int64_t B, int64_t H, int64_t T, int64_t D) {
  static std::vector<Register> regs;
  std::string name = "rope B=" + std::to_string(B) + " H=" + std::to_string(H) + " T=" + std::to_string(T) +
                     " D=" + std::to_string(D);
  regs.emplace_back(name, [=] {
    Tensor x = Tensor::randn({B, T, H, D}, 1).set_requires_grad(true);
    Tensor dy = Tensor::randn({B, H, T, D}, 2);
    return Run{[=] { backward_with(rope(x.transpose(1, 2), 0), dy); }, 0};
  });
}

struct Cases {
  Cases() {
    rope_case(8, 6, 256, 64);
    rope_case(4, 12, 512, 64);
  }
} cases;

}  // namespace
}  // namespace lmf::bench
