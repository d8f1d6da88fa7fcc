// AdamW, computing what torch.optim.AdamW (amsgrad=False, maximize=False) computes in
// fp32, step for step:
//
//   step += 1                                   (per parameter, only when it has a grad)
//   p  *= 1 - lr·wd                             (decoupled decay, before the Adam update)
//   m   = β1·m + (1-β1)·g
//   v   = β2·v + (1-β2)·g·g
//   p  += -(lr / (1-β1^step)) · m / (sqrt(v) / sqrt(1-β2^step) + eps)
//
// Scalars are formed in double as Python does and rounded to fp32 once, like PyTorch's
// CPU kernels. Weight decay comes from each ParamGroup (see decay_groups()). The update
// is one fused, vectorised pass per parameter (OpenMP over elements, so the result does
// not depend on the thread count); buffers are allocated on a parameter's first step only.
//
// State names: "<param>.step" (i64 scalar), "<param>.exp_avg", "<param>.exp_avg_sq".
#pragma once
#include "core/optim/optimizer.h"

namespace lmf::optim {

struct AdamWOptions {
  double lr = 1e-3;
  double beta1 = 0.9;
  double beta2 = 0.999;
  double eps = 1e-8;
};

class AdamW : public Optimizer {
 public:
  AdamW(std::vector<ParamGroup> groups, const AdamWOptions& opt = {});
  void step() override;
  void set_lr(double lr) override { opt_.lr = lr; }
  double lr() const override { return opt_.lr; }
  NamedTensors state() const override;
  void load_state(const NamedTensors& st) override;
  // Steps taken by the parameter called `name` (0 before its first gradient).
  int64_t steps_of(const std::string& name) const;

 private:
  struct State {
    int64_t step = 0;
    Tensor exp_avg, exp_avg_sq;  // undefined until the first step
  };
  AdamWOptions opt_;
  std::vector<State> state_;  // parallel to slots_
};

}  // namespace lmf::optim
