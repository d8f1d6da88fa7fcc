// Benchmark cases for fused attention: GPT-2-mini (B=8, H=6, T=256, D=64) and
// GPT-2-small-like (B=4, H=12, T=512, D=64) shapes, causal and bidirectional, with q, k, v
// read as (B,H,T,D) views of (B,T,H,D) projections as a model does.
#include "bench_case.h"
#include "core/ops/attention.h"

namespace lmf::bench {
namespace {

void attention_case(int64_t B, int64_t H, int64_t T, int64_t D, bool causal) {
  static std::vector<Register> regs;
  std::string name = std::string("attention ") + (causal ? "causal" : "bidir") + " B=" + std::to_string(B) +
                     " H=" + std::to_string(H) + " T=" + std::to_string(T) + " D=" + std::to_string(D);
  regs.emplace_back(name, [=] {
    Tensor q = Tensor::randn({B, T, H, D}, 1).set_requires_grad(true);
    Tensor k = Tensor::randn({B, T, H, D}, 2).set_requires_grad(true);
    Tensor v = Tensor::randn({B, T, H, D}, 3).set_requires_grad(true);
    Tensor dy = Tensor::randn({B, H, T, D}, 4);
    AttentionOptions opt;
    opt.causal = causal;
    // Useful flops (the masked half of a causal score matrix is not counted).
    double flops = 7 * 2.0 * B * H * T * T * D * (causal ? 0.5 : 1.0);
    return Run{[=] { backward_with(attention(q.transpose(1, 2), k.transpose(1, 2), v.transpose(1, 2), opt), dy); },
               flops};
  });
}

struct Cases {
  Cases() {
    for (bool causal : {true, false}) {
      attention_case(8, 6, 256, 64, causal);
      attention_case(4, 12, 512, 64, causal);
    }
  }
} cases;

}  // namespace
}  // namespace lmf::bench
