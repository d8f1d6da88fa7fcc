#include "core/optim/adamw.h"

#include <cmath>

#include "core/profiler.h"

namespace lmf::optim {

AdamW::AdamW(std::vector<ParamGroup> groups, const AdamWOptions& opt)
    : Optimizer(std::move(groups), "AdamW"), opt_(opt), state_(slots_.size()) {
  if (!(opt.beta1 >= 0 && opt.beta1 < 1) || !(opt.beta2 >= 0 && opt.beta2 < 1) || !(opt.eps >= 0) || !(opt.lr >= 0))
    throw Error("AdamW: need 0 <= beta1, beta2 < 1, eps >= 0 and lr >= 0, got beta1=" + std::to_string(opt.beta1) +
                " beta2=" + std::to_string(opt.beta2) + " eps=" + std::to_string(opt.eps) +
                " lr=" + std::to_string(opt.lr));
}

namespace {

// One parameter's update; p, m, v and g have n elements (contiguous). Each operation is
// rounded separately, as in PyTorch's kernels (no fused multiply-add contraction), so the
// result matches torch.optim.AdamW to the last bit on most elements.
__attribute__((optimize("fp-contract=off"))) void adamw_kernel(float* p, float* m, float* v, const float* g, int64_t n, float decay, float b1, float omb1,
                  float b2, float omb2, float bc2_sqrt, float eps, float neg_step_size) {
#pragma omp parallel for simd schedule(static) if (n > 32768)
  for (int64_t i = 0; i < n; ++i) {
    float gi = g[i];
    float pi = p[i] * decay;
    float mi = m[i] * b1 + omb1 * gi;
    float vi = v[i] * b2 + omb2 * gi * gi;
    m[i] = mi;
    v[i] = vi;
    p[i] = pi + neg_step_size * mi / (std::sqrt(vi) / bc2_sqrt + eps);
  }
}

}  // namespace

void AdamW::step() {
  profiler::Scope prof("[adamw step]");
  for (size_t i = 0; i < slots_.size(); ++i) {
    const Slot& s = slots_[i];
    Tensor g = s.param.grad();
    if (!g.defined()) continue;
    if (g.shape() != s.param.shape() || !g.is_contiguous())  // message built only on error
      throw ShapeError("AdamW: gradient " + g.str() + " of '" + s.name + "' does not match " + s.param.str());
    State& st = state_[i];
    if (!st.exp_avg.defined()) {
      st.exp_avg = Tensor::zeros(s.param.shape());
      st.exp_avg_sq = Tensor::zeros(s.param.shape());
    }
    st.step += 1;
    const double wd = groups_[s.group].weight_decay;
    const double bc1 = 1.0 - std::pow(opt_.beta1, double(st.step));
    const double bc2 = 1.0 - std::pow(opt_.beta2, double(st.step));
    adamw_kernel(s.param.f32(), st.exp_avg.f32(), st.exp_avg_sq.f32(), g.f32(), s.param.numel(),
                 float(1.0 - opt_.lr * wd), float(opt_.beta1), float(1.0 - opt_.beta1), float(opt_.beta2),
                 float(1.0 - opt_.beta2), float(std::sqrt(bc2)), float(opt_.eps), float(-(opt_.lr / bc1)));
  }
}

int64_t AdamW::steps_of(const std::string& name) const {
  int k = find_param(name);
  if (k < 0) throw Error("AdamW: no parameter named '" + name + "'");
  return state_[k].step;
}

NamedTensors AdamW::state() const {
  NamedTensors out;
  for (size_t i = 0; i < slots_.size(); ++i) {
    const State& st = state_[i];
    if (st.step == 0) continue;
    out.emplace_back(slots_[i].name + ".step", step_tensor(st.step));
    out.emplace_back(slots_[i].name + ".exp_avg", st.exp_avg);
    out.emplace_back(slots_[i].name + ".exp_avg_sq", st.exp_avg_sq);
  }
  return out;
}

void AdamW::load_state(const NamedTensors& named) {
  std::vector<State> fresh(slots_.size());
  for (const auto& [name, t] : named) {
    auto [pname, buf] = split_state_name(name, "AdamW");
    int k = find_param(pname);
    if (k < 0) throw Error("AdamW: state tensor '" + name + "' names no parameter of this optimizer");
    const Tensor& p = slots_[k].param;
    State& st = fresh[k];
    if (buf == "step") {
      st.step = step_value(t, "AdamW", name);
    } else if (buf == "exp_avg") {
      st.exp_avg = buffer_copy(t, p, "AdamW", name);
    } else if (buf == "exp_avg_sq") {
      st.exp_avg_sq = buffer_copy(t, p, "AdamW", name);
    } else {
      throw Error("AdamW: unknown state buffer '" + name + "' (expected step, exp_avg or exp_avg_sq)");
    }
  }
  for (size_t k = 0; k < slots_.size(); ++k) {
    const State& st = fresh[k];
    bool any = st.step != 0 || st.exp_avg.defined() || st.exp_avg_sq.defined();
    if (any && !(st.step > 0 && st.exp_avg.defined() && st.exp_avg_sq.defined()))
      throw Error("AdamW: state of '" + slots_[k].name + "' is incomplete (needs step > 0, exp_avg and exp_avg_sq)");
  }
  state_ = std::move(fresh);
}

}  // namespace lmf::optim
