// The coefficient β of PPO's per-token KL penalty −β·(log π(y_t) − log π_ref(y_t)), fixed or
// adapted toward a target KL (Ziegler et al., 2019, "Fine-Tuning Language Models from Human
// Preferences"; TRL's FixedKLController / AdaptiveKLController):
//
//   e = clip(KL / target − 1, −0.2, 0.2)
//   β ← β · (1 + e · n_steps / horizon)
//
// where KL is the rollout batch's mean over sequences of the summed per-token KL and
// n_steps the number of sequences in that batch. A fixed controller never changes β.
#pragma once
#include <cstdint>

namespace lmf::align {

class KLController {
 public:
  static KLController fixed(double coef);
  // Error unless init >= 0, target > 0, horizon > 0.
  static KLController adaptive(double init, double target, double horizon);

  double value() const { return value_; }
  bool is_adaptive() const { return adaptive_; }
  // After a rollout batch of n_steps sequences whose mean sequence KL was `current`.
  void update(double current, int64_t n_steps);

 private:
  double value_ = 0, target_ = 0, horizon_ = 0;
  bool adaptive_ = false;
};

}  // namespace lmf::align
