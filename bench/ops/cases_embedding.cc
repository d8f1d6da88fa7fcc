// Benchmark cases for embedding lookup + scatter-add backward: B·T = 2048 ids (8 × 256)
// into tables of V = 50257 (GPT-2) and 65 (characters) rows of C = 384 and 768. The table's
// gradient is dropped after each step (as an optimizer's zero_grad does), so each backward
// builds a fresh dense (V, C) gradient, as PyTorch's does.
#include "bench_case.h"
#include "core/ops/embedding.h"
#include "core/random.h"

namespace lmf::bench {
namespace {

void embedding_case(int64_t V, int64_t C) {
  static std::vector<Register> regs;
  regs.emplace_back("embedding 8x256 V=" + std::to_string(V) + " C=" + std::to_string(C), [=] {
    std::vector<int32_t> idv(2048);
    for (size_t i = 0; i < idv.size(); ++i) idv[i] = int32_t(Philox::uniform_at(7, i) * float(V)) % int32_t(V);
    Tensor ids = Tensor::from_ints(idv, {8, 256});
    Tensor table = Tensor::randn({V, C}, 1, 0.02f).set_requires_grad(true);
    Tensor dy = Tensor::randn({8, 256, C}, 2);
    return Run{[=]() mutable {
      table.zero_grad();
      backward_with(embedding(ids, table), dy);
    }};
  });
}

struct Cases {
  Cases() {
    for (int64_t V : {50257, 65})
      for (int64_t C : {384, 768}) embedding_case(V, C);
  }
} cases;

}  // namespace
}  // namespace lmf::bench
