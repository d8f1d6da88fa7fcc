#include "core/optim/sgd.h"

namespace lmf::optim {

SGD::SGD(std::vector<ParamGroup> groups, const SGDOptions& opt)
    : Optimizer(std::move(groups), "SGD"), opt_(opt), buf_(slots_.size()) {
  if (!(opt.lr >= 0) || !(opt.momentum >= 0))
    throw Error("SGD: need lr >= 0 and momentum >= 0, got lr=" + std::to_string(opt.lr) +
                " momentum=" + std::to_string(opt.momentum));
  if (opt.nesterov && (opt.momentum <= 0 || opt.dampening != 0))
    throw Error("SGD: nesterov momentum requires momentum > 0 and zero dampening");
}

namespace {

// One parameter's update; p, b and g have n elements (contiguous). `first` marks the
// step that creates the momentum buffer (b = d); b is null without momentum. Each
// operation is rounded separately, as in PyTorch's kernels (no fused multiply-add).
__attribute__((optimize("fp-contract=off"))) void sgd_kernel(float* p, float* b, const float* g, int64_t n, float wd, float mom, float omdamp, bool nesterov,
                bool first, float neg_lr) {
#pragma omp parallel for simd schedule(static) if (n > 32768)
  for (int64_t i = 0; i < n; ++i) {
    float d = g[i];
    if (wd != 0.0f) d = d + wd * p[i];
    if (b) {
      float bi = first ? d : b[i] * mom + omdamp * d;
      b[i] = bi;
      d = nesterov ? d + mom * bi : bi;
    }
    p[i] = p[i] + neg_lr * d;
  }
}

}  // namespace

void SGD::step() {
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Slot& s = slots_[i];
    Tensor g = s.param.grad();
    if (!g.defined()) continue;
    if (g.shape() != s.param.shape() || !g.is_contiguous())  // message built only on error
      throw ShapeError("SGD: gradient " + g.str() + " of '" + s.name + "' does not match " + s.param.str());
    bool first = false;
    if (opt_.momentum != 0 && !buf_[i].defined()) {
      buf_[i] = Tensor::empty(s.param.shape());
      first = true;
    }
    sgd_kernel(s.param.f32(), buf_[i].defined() ? buf_[i].f32() : nullptr, g.f32(), s.param.numel(),
               float(groups_[s.group].weight_decay), float(opt_.momentum), float(1.0 - opt_.dampening),
               opt_.nesterov, first, float(-opt_.lr));
  }
}

NamedTensors SGD::state() const {
  NamedTensors out;
  for (size_t i = 0; i < slots_.size(); ++i)
    if (buf_[i].defined()) out.emplace_back(slots_[i].name + ".momentum_buffer", buf_[i]);
  return out;
}

void SGD::load_state(const NamedTensors& named) {
  std::vector<Tensor> fresh(slots_.size());
  for (const auto& [name, t] : named) {
    auto [pname, buf] = split_state_name(name, "SGD");
    int k = find_param(pname);
    if (k < 0) throw Error("SGD: state tensor '" + name + "' names no parameter of this optimizer");
    if (buf != "momentum_buffer") throw Error("SGD: unknown state buffer '" + name + "' (expected momentum_buffer)");
    fresh[k] = buffer_copy(t, slots_[k].param, "SGD", name);
  }
  buf_ = std::move(fresh);
}

}  // namespace lmf::optim
