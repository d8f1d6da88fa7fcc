// Benchmark cases for matmul and linear at GPT-2 small/mini shapes (B·T = 2048 rows,
// C = 384 and 768: the attention projection C→C and the MLP's C→4C and 4C→C), plus the
// same three GEMMs of a no-bias linear through plain dnnl_sgemm, the efficiency yardstick.
#include <oneapi/dnnl/dnnl.h>

#include "bench_case.h"
#include "core/ops/matmul.h"

namespace lmf::bench {
namespace {

constexpr int64_t kRows = 2048;

std::string shape_name(int64_t in, int64_t out) {
  return std::to_string(kRows) + "x" + std::to_string(in) + "->" + std::to_string(out);
}

// linear forward + backward (x, w, b all take gradients, as in training).
void linear_case(int64_t in, int64_t out, bool bias, const std::string& name) {
  static std::vector<Register> regs;
  regs.emplace_back(name, [=] {
    Tensor x = Tensor::randn({kRows, in}, 1).set_requires_grad(true);
    Tensor w = Tensor::randn({out, in}, 2, 0.02f).set_requires_grad(true);
    Tensor b = bias ? Tensor::zeros({out}).set_requires_grad(true) : Tensor();
    Tensor dy = Tensor::randn({kRows, out}, 3);
    return Run{[=] { backward_with(linear(x, w, b), dy); }, 3 * 2.0 * kRows * in * out};
  });
}

// The same three products through dnnl_sgemm (row-major): y = x·wᵀ, dx += dy·w, dw += dyᵀ·x.
void sgemm_case(int64_t in, int64_t out, const std::string& name) {
  static std::vector<Register> regs;
  regs.emplace_back(name, [=] {
    Tensor x = Tensor::randn({kRows, in}, 1), w = Tensor::randn({out, in}, 2, 0.02f);
    Tensor y = Tensor::empty({kRows, out}), dy = Tensor::randn({kRows, out}, 3);
    Tensor dx = Tensor::zeros({kRows, in}), dw = Tensor::zeros({out, in});
    return Run{[=] {
                 dnnl_sgemm('N', 'T', kRows, out, in, 1.0f, x.f32(), in, w.f32(), in, 0.0f, y.f32(), out);
                 dnnl_sgemm('N', 'N', kRows, in, out, 1.0f, dy.f32(), out, w.f32(), in, 1.0f, dx.f32(), in);
                 dnnl_sgemm('T', 'N', out, in, kRows, 1.0f, dy.f32(), out, x.f32(), in, 1.0f, dw.f32(), in);
               },
               3 * 2.0 * kRows * in * out};
  });
}

struct Cases {
  Cases() {
    for (int64_t C : {384, 768})
      for (auto [in, out] : {std::pair{C, C}, std::pair{C, 4 * C}, std::pair{4 * C, C}}) {
        linear_case(in, out, true, "linear " + shape_name(in, out));
        std::string g = "gemm " + shape_name(in, out) + " (linear, no bias)";
        linear_case(in, out, false, g);
        sgemm_case(in, out, g + " [oneDNN sgemm]");
      }
    // Batched product over head-split views: scores = q·kᵀ with q, k (B,H,T,D) views of (B,T,H,D).
    static Register heads("matmul q.kT B=8 H=6 T=256 D=64 (head views)", [] {
      Tensor q = Tensor::randn({8, 256, 6, 64}, 1).set_requires_grad(true);
      Tensor k = Tensor::randn({8, 256, 6, 64}, 2).set_requires_grad(true);
      Tensor dy = Tensor::randn({8, 6, 256, 256}, 3);
      return Run{[=] { backward_with(matmul(q.transpose(1, 2), k.transpose(1, 2).transpose(2, 3)), dy); },
                 3 * 2.0 * 48 * 256 * 256 * 64};
    });
  }
} cases;

}  // namespace
}  // namespace lmf::bench
