#include "core/optim/optimizer.h"

#include "core/profiler.h"

namespace lmf::optim {

std::vector<ParamGroup> decay_groups(const NamedTensors& named, double weight_decay) {
  ParamGroup decay{{}, weight_decay}, no_decay{{}, 0.0};
  for (const auto& [name, t] : named) {
    if (!t.defined() || !t.requires_grad()) continue;
    (t.dim() >= 2 ? decay : no_decay).params.emplace_back(name, t);
  }
  std::vector<ParamGroup> out;
  if (!decay.params.empty()) out.push_back(std::move(decay));
  if (!no_decay.params.empty()) out.push_back(std::move(no_decay));
  return out;
}

Optimizer::Optimizer(std::vector<ParamGroup> groups, const char* name) : groups_(std::move(groups)) {
  for (int g = 0; g < int(groups_.size()); ++g)
    for (const auto& [pname, t] : groups_[g].params) {
      check_f32(t, name, ("parameter '" + pname + "'").c_str());
      LMF_CHECK_SHAPE(t.is_contiguous(), name, "parameter '" + pname + "' " + t.str() + " is not contiguous");
      if (!index_.emplace(pname, int(slots_.size())).second)
        throw Error(std::string(name) + ": parameter name '" + pname + "' appears twice");
      slots_.push_back({pname, t, g});
    }
}

int Optimizer::find_param(const std::string& name) const {
  auto it = index_.find(name);
  return it == index_.end() ? -1 : it->second;
}

void Optimizer::zero_grad() {
  profiler::Scope prof("[zero_grad]");
  for (auto& s : slots_) s.param.zero_grad();
}

Tensor step_tensor(int64_t step) {
  Tensor t = Tensor::empty({}, DType::I64);
  *t.data<int64_t>() = step;
  return t;
}

int64_t step_value(const Tensor& t, const char* what, const std::string& name) {
  if (t.defined() && t.numel() == 1) {
    if (t.dtype() == DType::I64 && *t.contiguous().data<int64_t>() >= 0) return *t.contiguous().data<int64_t>();
    if (t.dtype() == DType::F32) {
      float f = t.item();
      if (f >= 0 && f < 9.0e18f && f == float(int64_t(f))) return int64_t(f);
    }
  }
  throw Error(std::string(what) + ": state tensor '" + name + "' must be a non-negative integer scalar, got " +
              (t.defined() ? t.str() : std::string("undefined")));
}

Tensor buffer_copy(const Tensor& t, const Tensor& param, const char* what, const std::string& name) {
  if (!t.defined() || t.dtype() != DType::F32 || t.shape() != param.shape())
    throw Error(std::string(what) + ": state tensor '" + name + "' is " + (t.defined() ? t.str() : "undefined") +
                ", expected f32" + param.shape().str());
  Tensor c = Tensor::empty(param.shape());
  c.copy_from(t);
  return c;
}

std::pair<std::string, std::string> split_state_name(const std::string& name, const char* what) {
  size_t dot = name.rfind('.');
  if (dot == std::string::npos || dot == 0 || dot + 1 == name.size())
    throw Error(std::string(what) + ": state tensor '" + name + "' is not named <param>.<buffer>");
  return {name.substr(0, dot), name.substr(dot + 1)};
}

}  // namespace lmf::optim
