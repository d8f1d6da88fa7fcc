#include "core/optim/schedule.h"

#include <cmath>
#include <numbers>
#include <sstream>

#include "core/error.h"

namespace lmf::optim {

LrSchedule LrSchedule::constant(double lr) {
  if (!(lr >= 0)) throw Error("lr schedule: lr must be >= 0, got " + std::to_string(lr));
  LrSchedule s;
  s.lr_ = s.min_lr_ = lr;
  return s;
}

LrSchedule LrSchedule::warmup_cosine(double lr, double min_lr, int64_t warmup_steps, int64_t total_steps) {
  if (!(lr >= 0 && min_lr >= 0 && min_lr <= lr) || warmup_steps < 0 || warmup_steps >= total_steps)
    throw Error("lr schedule warmup_cosine: need 0 <= min_lr <= lr and 0 <= warmup < total, got lr=" +
                std::to_string(lr) + " min_lr=" + std::to_string(min_lr) + " warmup=" + std::to_string(warmup_steps) +
                " total=" + std::to_string(total_steps));
  LrSchedule s;
  s.kind_ = Kind::WarmupCosine;
  s.lr_ = lr;
  s.min_lr_ = min_lr;
  s.warmup_ = warmup_steps;
  s.total_ = total_steps;
  return s;
}

double LrSchedule::at(int64_t step) const {
  if (kind_ == Kind::Constant) return lr_;
  if (step < warmup_) return lr_ * double(step + 1) / double(warmup_);
  if (step >= total_) return min_lr_;
  const double ratio = double(step - warmup_) / double(total_ - warmup_);
  const double coeff = 0.5 * (1.0 + std::cos(std::numbers::pi * ratio));
  return min_lr_ + coeff * (lr_ - min_lr_);
}

std::string LrSchedule::str() const {
  std::ostringstream o;
  if (kind_ == Kind::Constant) {
    o << "constant(lr=" << lr_ << ")";
  } else {
    o << "warmup_cosine(lr=" << lr_ << ", min_lr=" << min_lr_ << ", warmup=" << warmup_ << ", total=" << total_ << ")";
  }
  return o.str();
}

}  // namespace lmf::optim
