// Generalised advantage estimation (Schulman et al., 2016) over the response tokens of a
// rollout batch, and the masked whitening PPO applies to rewards and advantages — the
// definitions of TRL's PPOTrainer.compute_advantages and masked_whiten.
//
// Layout: every tensor is (N, T) fp32, one row a sequence; `mask` is 1 at the columns that
// hold response tokens (align/sequence_logprob.h's layout: response token j of row n at
// column prompt_len[n] − 1 + j) and 0 elsewhere. Values and rewards are multiplied by the
// mask first, then, per row, from the last column backwards:
//
//   δ_t = r_t + γ·V_{t+1} − V_t          (V_T = 0)
//   A_t = δ_t + γ·λ·A_{t+1}
//   R_t = A_t + V_t                      (the returns the value head regresses on)
//
// and the advantages are whitened over the masked entries. Columns outside the mask hold
// values nobody reads (the loss masks them out). Statistics are accumulated in double.
#pragma once
#include "core/tensor.h"

namespace lmf::align {

// Σ x·mask / Σ mask over the whole batch (0 when the mask is empty).
double masked_mean(const Tensor& x, const Tensor& mask);
// The masked variance about the masked mean; `unbiased` multiplies by n / (n − 1),
// n = Σ mask (as TRL's masked_var; Error when n < 2).
double masked_var(const Tensor& x, const Tensor& mask, bool unbiased = true);
// (x − mean) / sqrt(var + 1e-8) over every entry with the masked statistics; with
// shift_mean false the mean is added back (TRL's reward whitening keeps the mean).
Tensor masked_whiten(const Tensor& x, const Tensor& mask, bool shift_mean = true);

struct GaeOptions {
  double gamma = 1.0, lam = 0.95;  // TRL's defaults
  bool whiten_rewards = false;     // masked_whiten(rewards, shift_mean=false) before the recursion
  bool whiten_advantages = true;   // as TRL: always on in PPOTrainer
};

struct Gae {
  Tensor advantages, returns;  // (N, T)
};

// rewards, values, mask (N, T); ShapeError naming the shapes when they differ.
Gae compute_gae(const Tensor& rewards, const Tensor& values, const Tensor& mask, const GaeOptions& opt = {});

}  // namespace lmf::align
