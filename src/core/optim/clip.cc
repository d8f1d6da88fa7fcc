#include "core/optim/clip.h"

#include <cmath>

#include "core/kernels/sum.h"
#include "core/profiler.h"

namespace lmf::optim {
namespace {

template <class Each>
float clip_impl(Each&& for_each_param, double max_norm) {
  double sq = 0.0;
  for_each_param([&](const Tensor& p) {
    Tensor g = p.grad();
    if (!g.defined()) return;
    check_f32(g, "clip_grad_norm", "gradient");
    if (!g.is_contiguous()) throw ShapeError("clip_grad_norm: gradient " + g.str() + " is not contiguous");
    sq += kernels::sum_squares(g.f32(), g.numel());
  });
  // PyTorch computes total and coef as fp32 tensors.
  const float total = float(std::sqrt(sq));
  const float coef = float(max_norm) / (total + 1e-6f);
  if (coef < 1.0f) {
    for_each_param([&](const Tensor& p) {
      Tensor g = p.grad();
      if (!g.defined()) return;
      float* d = g.f32();
      int64_t n = g.numel();
#pragma omp parallel for simd schedule(static) if (n > 65536)
      for (int64_t i = 0; i < n; ++i) d[i] *= coef;
    });
  }
  return total;
}

}  // namespace

float clip_grad_norm(const std::vector<Tensor>& params, double max_norm) {
  return clip_impl([&](auto&& f) { for (const Tensor& p : params) f(p); }, max_norm);
}

float clip_grad_norm(const Optimizer& opt, double max_norm) {
  profiler::Scope prof("[clip_grad_norm]");
  return clip_impl(
      [&](auto&& f) {
        for (const ParamGroup& g : opt.groups())
          for (const auto& np : g.params) f(np.second);
      },
      max_norm);
}

}  // namespace lmf::optim
