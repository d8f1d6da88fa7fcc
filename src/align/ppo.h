// RLHF with PPO (Ziegler et al., 2019; Ouyang et al., 2022), as TRL's PPOTrainer runs it.
// One iteration:
//
//   1. rollout   `batch` prompts (a shuffled pass over the prompt set, a new order each
//                pass: train/epoch_sampler.h) → sampled responses, old log-probs,
//                reference log-probs, values (align/rollout.h)
//   2. reward    score_n = reward(prompts, responses)[n], given by the caller (a reward
//                model, a program judge, ...)
//   3. penalty   per response token r_t = −β·(logp_t − ref_logp_t), plus score_n at the
//                row's last response token; β from align/kl_controller.h
//   4. GAE       advantages and returns (align/gae.h; optional reward whitening)
//   5. update    `epochs` passes over the batch in shuffled minibatches of `minibatch`
//                sequences (each pass a fresh permutation of the batch, drawn from the
//                prompt sampler's random stream): the clipped policy and value loss (core/ops/ppo_loss.h) of the
//                current policy and value head, AdamW (betas 0.9/0.999, eps 1e-8), global
//                gradient-norm clipping; no dropout
//   6. β update  with the batch's mean sequence KL Σ_t (logp_t − ref_logp_t)
//
// Full weights (method null: every model weight and the value head train; `reference` is
// a frozen copy of the starting model) or a PEFT method (only its tensors and the value
// head train; pass the policy itself as `reference`: its base with the hooks off).
//
// With out_dir set: OUT/metrics.jsonl gets one row per iteration (TRL's names, below),
// OUT/ppo.svg plots mean score and KL against the iteration, and at the end the policy
// (a model directory, or the adapter) and value_head.safetensors are written to OUT, each
// file atomically. Rows: iteration, env/reward_mean, env/reward_std, objective/kl,
// objective/kl_coef, objective/entropy (mean per-token entropy of the sampling
// distribution), ppo/mean_non_score_reward, ppo/loss/policy, ppo/loss/value,
// ppo/loss/total, ppo/policy/clipfrac, ppo/val/clipfrac, ppo/policy/approxkl,
// ppo/policy/policykl, ppo/returns/mean, ppo/val/mean, tokens/responses_len_mean,
// time/rollout_s, time/update_s.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "align/gae.h"
#include "align/rollout.h"
#include "align/value_head.h"
#include "core/ops/ppo_loss.h"
#include "finetune/peft.h"
#include "models/transformer.h"

namespace lmf::align {

// One score per (prompt, response) pair, in order.
using RewardFn = std::function<std::vector<double>(const std::vector<Ids>& prompts, const std::vector<Ids>& responses)>;

// Learning rates when none is given (PpoCommand with ppo.lr 0): TRL's for full weights;
// LoRA's few tensors start from zero and need a larger one.
constexpr double kPpoFullLr = 1.41e-5, kPpoLoraLr = 1e-3;

struct PpoOptions {
  int64_t iterations = 100;
  int64_t batch = 8;      // prompts per rollout
  int64_t minibatch = 4;  // sequences per optimizer step
  int64_t epochs = 4;     // passes over each rollout batch
  double lr = kPpoFullLr, weight_decay = 0.0, grad_clip = 1.0;
  PpoLossOptions loss;    // clip ranges, vf_coef
  GaeOptions gae;         // gamma, lam, whiten_rewards
  bool adaptive_kl = true;
  double init_kl = 0.2, target_kl = 6.0, kl_horizon = 10000.0;  // TRL's defaults
  RolloutOptions rollout; // max new tokens, temperature, stop ids (seed set per iteration)
  uint64_t seed = 1337;
  std::string out_dir;    // metrics, plot and the saved policy; empty: nothing written
  bool quiet = true;      // no progress bar
};

struct PpoResult {
  std::vector<nlohmann::json> rows;  // the metrics rows
  int64_t trainable = 0;             // trained parameters (value head included)
  double seconds_per_iteration = 0, rollout_seconds = 0, update_seconds = 0;  // means
};

// Step 3's per-token rewards (N, T): −β·mask·(logp − ref_logp) at every column, plus
// scores[n] at row n's last response token (column prompt_len + response_len − 2 of b).
// `mean_kl`, when given, receives the mean over rows of the summed masked KL.
Tensor kl_penalty_rewards(const Tensor& logp, const Tensor& ref_logp, const Tensor& mask, const ScoredBatch& b,
                          const std::vector<double>& scores, double beta, double* mean_kl = nullptr);

PpoResult run_ppo(Transformer& policy, ft::PeftMethod* method, ValueHead& vh, Transformer& reference,
                  const std::vector<Ids>& prompts, const RewardFn& reward, const PpoOptions& opt,
                  const std::function<void(const nlohmann::json& row)>& on_iteration = nullptr);

// OUT: the policy (save_model, or save_adapter with the hooks detached) and
// value_head.safetensors.
void save_ppo(const std::string& out_dir, Transformer& policy, const ft::PeftMethod* method, const ValueHead& vh);

}  // namespace lmf::align
