// Reward model training on preference pairs (TRL's RewardTrainer): each step scores the
// chosen and the rejected sequence of `batch` pairs (ids(prompt) ++ ids(response), one
// forward pass over all 2·batch rows, right-padded) and minimises the Bradley–Terry loss
// mean(−log σ(r_chosen − r_rejected)) (core/ops/preference_loss.h). Every parameter is
// trained, the decoder's and the score head's. AdamW as fine-tuning uses it (betas
// 0.9/0.999, eps 1e-8, decay only on tensors with >= 2 dims), constant learning rate,
// global-norm clipping.
// Pairs are taken in a seeded shuffled order, a new order each epoch (train/epoch_sampler.h).
//
// Pairwise accuracy: the share of pairs whose chosen sequence scores higher (a tie counts
// one half). Held-out accuracy is reported per task kind when the prompts are the embedded
// preference tasks (align/preference_tasks.h), else as one "all" row.
//
// `lmforge reward train` writes to OUT: the reward model directory (align/reward_model.h)
// with the tokenizer.json of the starting model, metrics.jsonl (rows step, loss, accuracy;
// rows step, eval_loss, eval_accuracy at evaluations) and reward.svg (the curves).
#pragma once
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "align/preferences.h"
#include "align/reward_model.h"
#include "tokenizer/tokenizer.h"

namespace lmf::align {

// A pair as the reward model reads it: both full sequences and the pair's group (the task
// kind's name, or "all").
struct RewardPair {
  std::vector<int32_t> chosen, rejected;
  std::string group;
};

// Error naming `source` and the pair (1-based) when a sequence is longer than max_len.
std::vector<RewardPair> encode_reward_pairs(const std::vector<PreferencePair>& pairs, const tok::Tokenizer& tk,
                                            int64_t max_len, const std::string& source);

struct RewardTrainOptions {
  int64_t batch = 8, steps = 200;
  double lr = 1e-4, weight_decay = 0.0, grad_clip = 1.0;
  uint64_t seed = 1337;
  int64_t eval_every = 0;  // evaluate every N steps (0: at the end only)
  bool quiet = false;      // no progress output
};

struct RewardTrainResult {
  int64_t steps = 0, parameters = 0;
  double last_loss = 0, last_accuracy = 0, seconds_per_step = 0;
};

struct GroupEval {
  int64_t pairs = 0;
  double accuracy = 0, loss = 0, margin = 0;  // mean over the group's pairs; margin r_c − r_r
};
struct RewardEval {
  GroupEval all;
  std::map<std::string, GroupEval> groups;  // by group name
};

// Trains `model` for opt.steps steps; `on_step(step, loss, accuracy)` after each.
RewardTrainResult train_reward(RewardModel& model, const std::vector<RewardPair>& data, const RewardTrainOptions& opt,
                               const std::function<void(int64_t, double, double)>& on_step = nullptr);

// Scores every pair (no autograd), `batch` pairs a forward pass.
RewardEval evaluate_reward(RewardModel& model, const std::vector<RewardPair>& data, int64_t batch = 16);

std::string format_reward_eval(const RewardEval& e);  // the table, for stderr
nlohmann::json reward_eval_json(const RewardEval& e);

struct RewardTrainCommand {
  std::string model_dir;   // a causal LM (a score head is added) or a reward model to continue
  std::string data_path;   // preference JSONL, or a directory with train.jsonl (and test.jsonl)
  std::string eval_path;   // held-out JSONL; empty: DIR/test.jsonl when --data is a directory
  std::string out_dir, tokenizer_spec;
  RewardTrainOptions train;
};
struct RewardRunResult {
  RewardTrainResult train;
  bool evaluated = false;
  RewardEval eval;
};
RewardRunResult run_reward_train(const RewardTrainCommand& c);

}  // namespace lmf::align
