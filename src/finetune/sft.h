// Supervised fine-tuning (instruction tuning) of a model on chat-template examples, with
// every parameter trained (method "full") or only a PEFT method's tensors (lora, adapter,
// prefix, prompt; see peft.h). The loss is the mean cross-entropy over the response tokens
// only (targets -100 elsewhere). AdamW (betas 0.9/0.999, eps 1e-8, decay only on tensors
// with >= 2 dims), constant learning rate, global-norm clipping.
//
// Batches: `batch` examples taken in a seeded shuffled order (a new order each epoch),
// right-padded to the longest (pad targets -100, which causal attention keeps from
// affecting the real tokens) and cut to max_len. With `pack`, a batch is `batch` rows of
// up to max_len tokens, each holding as many consecutive examples as fit; their positions
// restart at 0 and no token attends across an example boundary (ForwardOptions::
// position_ids), so each example is trained exactly as if it were alone.
//
// `lmforge finetune` writes to OUT: for full, a model directory (config.json,
// model.safetensors, tokenizer.json, tokenizer_config.json with the chat template); for a
// PEFT method, adapter_config.json + adapter_model.safetensors (+ tokenizer files);
// metrics.jsonl (step, loss, step_s: the step's seconds, world_size) either way.
//
// Under mpirun (src/dist/) `batch` is the global batch: rank r trains rows
// [r·B/N, (r+1)·B/N) of every batch with its loss scaled to its share of the batch's target
// tokens, the gradients are summed over ranks, and rank 0 alone writes OUT, so the result
// equals one process's (to float rounding; dropout masks differ between rank counts).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "finetune/instruction_data.h"
#include "finetune/peft.h"
#include "models/transformer.h"

namespace lmf::ft {

struct SftOptions {
  int64_t batch = 8, max_len = 256, steps = 100;
  double lr = 1e-4, weight_decay = 0.0, grad_clip = 1.0;
  uint64_t seed = 1337;
  bool pack = false;  // several examples per row (see above); not with prompt tuning
  bool quiet = false;
};

struct SftResult {
  int64_t steps = 0, trainable = 0, total = 0;
  double last_loss = 0, seconds_per_step = 0;
};

// (B, T) inputs and targets of the examples `idx` of `data`, padded to the longest.
void make_batch(const std::vector<EncodedChat>& data, const std::vector<size_t>& idx, int64_t max_len, Tensor& x,
                Tensor& y);

// Packed rows: rows[r] lists the examples of row r (their lengths, each cut to max_len,
// must sum to at most max_len). Inputs, targets and position ids (B, T), T the longest
// row; each example's positions restart at 0, the rest of a row is padding (targets -100,
// positions of its own).
void make_packed_batch(const std::vector<EncodedChat>& data, const std::vector<std::vector<size_t>>& rows,
                       int64_t max_len, Tensor& x, Tensor& y, Tensor& pos);

// Trains `model` (all parameters when `method` is null, else only the method's tensors,
// with the base frozen) for opt.steps steps; `on_step(step, loss)` is called after each.
SftResult train_sft(Transformer& model, PeftMethod* method, const std::vector<EncodedChat>& data, const SftOptions& opt,
                    const std::function<void(int64_t, double)>& on_step = nullptr);

struct FinetuneCommand {
  std::string model_dir, data_path, out_dir, tokenizer_spec;
  PeftOptions peft;  // peft.method "full" trains every weight
  std::string init_text;  // prompt tuning --init text
  SftOptions sft;
};
SftResult run_finetune(const FinetuneCommand& c);

}  // namespace lmf::ft
