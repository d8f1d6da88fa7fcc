// Benchmark cases for the fused cross-entropy: B·T = 2048 rows of V = 50257 (GPT-2) and
// 65 (characters) logits, 5% of targets ignored; the logits' gradient is dropped after
// each step.
#include "bench_case.h"
#include "core/ops/loss.h"
#include "core/random.h"

namespace lmf::bench {
namespace {

void ce_case(int64_t V) {
  static std::vector<Register> regs;
  regs.emplace_back("cross_entropy 2048 V=" + std::to_string(V), [=] {
    std::vector<int32_t> tv(2048);
    for (size_t i = 0; i < tv.size(); ++i)
      tv[i] = Philox::uniform_at(8, i) < 0.05f ? -100 : int32_t(Philox::uniform_at(7, i) * float(V)) % int32_t(V);
    Tensor targets = Tensor::from_ints(tv, {2048});
    Tensor logits = Tensor::randn({2048, V}, 1, 2.0f).set_requires_grad(true);
    return Run{[=]() mutable {
      logits.zero_grad();
      cross_entropy(logits, targets).backward();
    }};
  });
}

struct Cases {
  Cases() {
    for (int64_t V : {50257, 65}) ce_case(V);
  }
} cases;

}  // namespace
}  // namespace lmf::bench
