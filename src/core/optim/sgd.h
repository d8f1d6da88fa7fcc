// SGD with momentum, computing what torch.optim.SGD (maximize=False) computes in fp32:
//
//   d = g + wd·p                        (coupled L2 decay from the ParamGroup, when wd != 0)
//   b = d                               on a parameter's first step (momentum != 0)
//   b = momentum·b + (1-dampening)·d    afterwards
//   d = nesterov ? d + momentum·b : b
//   p += -lr·d
//
// One fused, vectorised pass per parameter (OpenMP over elements); the momentum buffer is
// allocated on a parameter's first step only.
//
// State names: "<param>.momentum_buffer" (present once a parameter has taken a step with
// momentum != 0, as in PyTorch).
#pragma once
#include "core/optim/optimizer.h"

namespace lmf::optim {

struct SGDOptions {
  double lr = 1e-2;
  double momentum = 0.0;
  double dampening = 0.0;
  bool nesterov = false;  // needs momentum > 0 and dampening == 0, as in PyTorch
};

class SGD : public Optimizer {
 public:
  SGD(std::vector<ParamGroup> groups, const SGDOptions& opt = {});
  void step() override;
  void set_lr(double lr) override { opt_.lr = lr; }
  double lr() const override { return opt_.lr; }
  NamedTensors state() const override;
  void load_state(const NamedTensors& st) override;

 private:
  SGDOptions opt_;
  std::vector<Tensor> buf_;  // momentum buffers, parallel to slots_; undefined until first step
};

}  // namespace lmf::optim
