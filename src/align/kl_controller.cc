#include "align/kl_controller.h"

#include <algorithm>
#include <string>

#include "core/error.h"

namespace lmf::align {

KLController KLController::fixed(double coef) {
  if (!(coef >= 0)) throw Error("KL coefficient must be >= 0, got " + std::to_string(coef));
  KLController c;
  c.value_ = coef;
  return c;
}

KLController KLController::adaptive(double init, double target, double horizon) {
  if (!(init >= 0)) throw Error("initial KL coefficient must be >= 0, got " + std::to_string(init));
  if (!(target > 0) || !(horizon > 0))
    throw Error("adaptive KL control needs a positive target and horizon, got target " + std::to_string(target) +
                " and horizon " + std::to_string(horizon));
  KLController c;
  c.value_ = init;
  c.target_ = target;
  c.horizon_ = horizon;
  c.adaptive_ = true;
  return c;
}

void KLController::update(double current, int64_t n_steps) {
  if (!adaptive_) return;
  const double err = std::clamp(current / target_ - 1.0, -0.2, 0.2);
  value_ *= 1.0 + err * double(n_steps) / horizon_;
}

}  // namespace lmf::align
