// The pretraining loop behind `lmforge train`: next-token prediction on a token shard
// with AdamW (betas 0.9/0.95, eps 1e-8, decay only on tensors with >= 2 dims), gradient
// accumulation, global-norm clipping, a constant or warm-up + cosine schedule, periodic
// evaluation and checkpoints.
//
// RUN_DIR holds the model in the Hugging Face layout (config.json, model.safetensors,
// generation_config.json, tokenizer.json when the data directory has one; bos/eos ids are
// the data's end-of-text token when the config does not set them), the training state
// apart from it in RUN_DIR/training_state/ (trainer_state.json: step, seed, loader
// position, options; and the optimizer moments in the optimizer-*.safetensors file it
// names), metrics.jsonl (one row per step; eval rows carry val_loss) and loss.svg. A
// preset's context is its own (docs/models.md); --seq may not exceed it. With resume, a run continues bit-identically to one that never stopped:
// the dropout masks and the data order depend only on (seed, step).
//
// Under mpirun with N ranks (src/dist/data_parallel.h) --batch is the global batch: every
// rank reads the same global batches and takes rows [r·B/N, (r+1)·B/N) of each, gradients
// are averaged over ranks, and the losses, weights and checkpoints equal one process's
// (to float rounding; with dropout the masks differ, so equality holds for dropout 0).
// Rank 0 alone writes RUN_DIR; every rank reads the data, and --init / --resume read their
// directories on every rank (a filesystem all hosts share). The loader position is global,
// so a run resumes with any number of ranks. Metrics rows carry world_size.
#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace lmf::train {

struct TrainOptions {
  std::string data_dir, out_dir;
  std::string init_dir, config_path, preset;  // exactly one (unless resuming)
  int64_t batch = 8, seq = 256, grad_accum = 1, steps = 1000;
  double lr = 6e-4, min_lr = 6e-5, weight_decay = 0.1, grad_clip = 1.0;
  int64_t warmup = 100;
  std::string schedule = "cosine";  // constant | cosine
  uint64_t seed = 1337;
  std::string order = "shuffled";   // sequential | shuffled
  int64_t eval_every = 100, eval_batches = 20;  // eval_every 0 = only at the end
  int64_t save_every = 0;           // 0 = only at the end
  bool resume = false;
  double dropout = -1;              // < 0: keep the config's value
  double time_limit_s = 0;          // > 0: stop (and save) after this much training time
  bool quiet = false;               // no progress output
  // Data parallel (under mpirun, src/dist/): gradient bucket size in MiB (0 = one blocking
  // all-reduce after backward) and the ZeRO stage (0, or 1 = AdamW moments sharded).
  double bucket_mb = 25;
  int zero = 0;
};

struct TrainResult {
  int64_t steps_done = 0;
  double last_loss = 0;
  double val_loss = -1;  // last evaluation, -1 if none
  double tokens_per_s = 0;
};

TrainResult run_training(const TrainOptions& opt);

}  // namespace lmf::train
