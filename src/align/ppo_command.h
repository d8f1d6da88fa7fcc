// `lmforge align --method ppo` as one library call: RLHF with PPO (align/ppo.h) of the
// model in model_dir on the prompts of a JSONL file, rewarded by a reward model or by the
// program judge of the embedded preference tasks.
//
// run_ppo_command reads the prompts (prompt-only or preference lines, plain or chat form,
// one form a file; align/preferences.h), builds the reward function, the policy, the
// frozen reference (full weights: a second copy of the starting model; LoRA: the policy's
// base with the adapter's hooks off) and the value head (seeded with seed + 1), trains,
// and writes OUT as run_ppo does (the policy or the adapter, value_head.safetensors,
// metrics.jsonl, ppo.svg) plus the tokenizer's tokenizer.json when the tokenizer is a file.
// Errors name the problem: a missing prompts file or reward, a reward directory that is no
// reward model, a prompt the judge cannot score (FILE:LINE), plain and chat prompts mixed.
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "align/ppo.h"
#include "finetune/peft.h"

namespace lmf::align {

struct PpoCommand {
  std::string model_dir, prompts_path, out_dir;
  std::string tokenizer_spec;  // resolved (never empty)
  // A reward model directory (`lmforge reward train`), or "judge": the program judge of the
  // embedded preference tasks (align/judge.h); every prompt must then be one of its tasks.
  std::string reward;
  ft::PeftOptions peft;  // method "full" trains every weight, "lora" an adapter
  // iterations, batch, ...; lr 0: kPpoFullLr or kPpoLoraLr by peft.method; target_kl 0:
  // β stays at init_kl; minibatch is capped at batch; rollout.stop is set from `stop`.
  PpoOptions ppo;
  std::string stop;  // text that ends a response; empty: chat end-of-turn, plain none
};

// Trains and writes OUT (see above); returns the summary: method, peft, iterations,
// trainable, seconds_per_iteration, first and last {score, kl, kl_coef}, out.
nlohmann::json run_ppo_command(const PpoCommand& c);

}  // namespace lmf::align
