// Direct Preference Optimization (Rafailov et al., 2023), as TRL's DPOTrainer computes it
// with its default `sigmoid` loss: for a pair (prompt x, chosen y_w, rejected y_l),
//   loss = −log σ(β · ((log π(y_w|x) − log ref(y_w|x)) − (log π(y_l|x) − log ref(y_l|x))))
// averaged over the batch, each log-probability the sum over the response's tokens
// (align/sequence_logprob.h; pairs encoded as align/preferences.h describes).
//
// The reference is frozen. It is either a separate model (`ref`, e.g. `--ref-model DIR`),
// or, when `ref` is null, the policy as it starts: with full weights, its own log-
// probabilities before the first update; with a PEFT method (LoRA), the same model with the
// method's hooks switched off, so no second model is held in memory. Either way the
// reference log-probabilities of every pair are computed once, before training, and cached.
//
// A step takes `batch` pairs (train/epoch_sampler.h; order `sequential`: pairs 0, 1, 2,
// ... wrapping around; `shuffled`: a new seeded permutation each epoch), runs the chosen
// and the rejected sequences as one batch of 2·batch rows (chosen rows first, TRL's
// concatenated forward), then backward, global-norm clipping and AdamW
// (finetune/trainable.h). No dropout (TRL's disable_dropout). A step's metrics come from its
// own forward pass, i.e. before its update: the row of step 1 describes the starting policy
// (loss log 2 when it equals the reference).
//
// `lmforge align --method dpo` (run_dpo) writes to OUT: the model directory (full) or the
// PEFT adapter directory (LoRA), tokenizer.json, metrics.jsonl with TRL's names (step,
// loss, rewards/chosen, rewards/rejected, rewards/margins, rewards/accuracies, logps/chosen,
// logps/rejected; batch means; world_size) and loss.svg (loss and reward margin against the step).
//
// Under mpirun (src/dist/) `batch` is the global batch: rank r trains pairs
// [r·B/N, (r+1)·B/N) of each batch, gradients and metrics are averaged over the ranks, and
// rank 0 alone writes OUT; the result equals one process's to float rounding.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "align/preferences.h"
#include "finetune/peft.h"
#include "models/transformer.h"

namespace lmf::align {

// Learning rates when none is given (DpoCommand with dpo.lr 0): TRL's DPO default for full
// weights; LoRA's few tensors start from zero and need a larger one.
constexpr double kDpoFullLr = 1e-6, kDpoLoraLr = 5e-5;

struct DpoOptions {
  double beta = 0.1;
  int64_t batch = 8, steps = 100;
  int64_t max_len = 0;  // positions a pair may use (prompt + response − 1); 0: the model's
  double lr = kDpoFullLr, weight_decay = 0.0, grad_clip = 1.0;
  std::string order = "shuffled";  // sequential | shuffled
  uint64_t seed = 1337;
  bool quiet = false;  // no progress bar
};

// One step's metrics (batch means), TRL's names in to_json().
struct DpoMetrics {
  int64_t step = 0;
  double loss = 0, rewards_chosen = 0, rewards_rejected = 0, margins = 0, accuracies = 0, logps_chosen = 0,
         logps_rejected = 0;
  nlohmann::json to_json() const;
};

struct DpoResult {
  int64_t steps = 0, trainable = 0, total = 0;
  double seconds_per_step = 0, reference_seconds = 0;
  DpoMetrics first, last;
};

// The summed response log-probabilities of every pair's chosen and rejected response under
// `model` as it is now (hooks included), without gradients, `batch` pairs at a time.
void pair_logprobs(Transformer& model, const std::vector<EncodedPair>& pairs, int64_t batch, int64_t max_len,
                   std::vector<float>& chosen, std::vector<float>& rejected);

// Trains `policy` (every weight when `method` is null, else only the method's tensors) on
// `pairs`; `ref` null: the reference is the starting policy (see above). `on_step` is called
// after each step with that step's metrics. Error on no pairs, bad options, or a pair longer
// than max_len (naming its index).
DpoResult train_dpo(Transformer& policy, ft::PeftMethod* method, Transformer* ref, const std::vector<EncodedPair>& pairs,
                    const DpoOptions& opt, const std::function<void(const DpoMetrics&)>& on_step = nullptr);

struct DpoCommand {
  std::string model_dir, data_path, out_dir, tokenizer_spec, ref_model_dir;
  ft::PeftOptions peft;  // method "full" trains every weight, "lora" an adapter
  DpoOptions dpo;        // dpo.lr 0: kDpoFullLr or kDpoLoraLr by peft.method
};
// Reads the model, tokenizer and pairs (a pair too long for max_len is an Error naming
// FILE:LINE), trains, writes OUT (see above); returns a summary (first and last metrics).
// Errors first, before any model is read: no data path, beta not positive, max_len < 0.
nlohmann::json run_dpo(const DpoCommand& c);

}  // namespace lmf::align
