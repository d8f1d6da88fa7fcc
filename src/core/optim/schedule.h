// Learning-rate schedules: the lr to use for 0-based step `step`.
//
//   constant:       lr(step) = lr
//   warmup_cosine:  with W = warmup_steps, N = total_steps (W < N), as llm.c/nanoGPT:
//     step <  W:       lr·(step + 1)/W                       (linear warm-up; reaches lr at step W-1)
//     W <= step < N:   min_lr + ½(1 + cos(π·(step - W)/(N - W)))·(lr - min_lr)
//     step >= N:       min_lr                                (the floor)
//
// Values are computed in double; set them on an optimizer with set_lr before each step.
#pragma once
#include <cstdint>
#include <string>

namespace lmf::optim {

class LrSchedule {
 public:
  static LrSchedule constant(double lr);
  // Error unless 0 <= warmup_steps < total_steps and 0 <= min_lr <= lr.
  static LrSchedule warmup_cosine(double lr, double min_lr, int64_t warmup_steps, int64_t total_steps);

  double at(int64_t step) const;
  std::string str() const;  // e.g. "warmup_cosine(lr=0.0006, min_lr=6e-05, warmup=100, total=5000)"

 private:
  enum class Kind { Constant, WarmupCosine };
  Kind kind_ = Kind::Constant;
  double lr_ = 0, min_lr_ = 0;
  int64_t warmup_ = 0, total_ = 0;
};

}  // namespace lmf::optim
