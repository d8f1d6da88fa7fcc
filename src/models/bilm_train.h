// Training the ELMo-style biLM (models/bilm.h) on token shards. The shard is batchified as
// for the recurrent LM (models/rnn_lm_train.h: B streams, an (S, B) matrix) and read in
// windows: at row i the window is rows [i, i + L + 1), L = min(bptt, S − 1 − i); i advances
// by bptt and returns to 0 when i ≥ S − 1. Each window is read by both directions from zero
// states (no state is carried between windows, since the backward LM would need the future).
//
// Each step: loss = BiLm::loss(window), backward, global gradient-norm clip (--grad-clip,
// 0 = off), AdamW step (weight decay on ≥ 2-D tensors). The validation loss is the
// token-weighted mean of BiLm::loss over every window of val.bin batchified with eval_batch
// streams; its perplexity is exp(loss) (the geometric mean of both directions' perplexities).
//
// run_bilm_training reads DIR/train.bin, DIR/val.bin (optional), DIR/meta.json's vocab_size
// (else the largest id + 1), trains, and writes the model directory (config.json,
// model.safetensors, tokenizer.json copied from DIR when there) and results.json.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/bilm.h"
#include "models/rnn_lm_train.h"

namespace lmf::models {

struct BiLmTrainOptions {
  std::string data_dir, out_dir;
  BiLmConfig model;  // vocab_size 0: from the data
  int64_t batch = 20, bptt = 35, steps = 200;
  int64_t eval_batch = 10;
  double lr = 2e-3, weight_decay = 0.0, grad_clip = 0.25;
  uint64_t seed = 1;
  double time_limit_s = 0.0;  // stop after this much training time (0: none)
  bool quiet = false;
};

using BiLmTrainResult = RnnLmTrainResult;  // the same figures

// Trains `model` in place for opt.steps windows of `ids` ((S, B) from batchify).
BiLmTrainResult train_bilm(BiLm& model, const Tensor& ids, const BiLmTrainOptions& opt,
                           const std::function<void(int64_t, float)>& on_step = {});

// Token-weighted mean biLM loss over the windows of `ids` ((S, B) from batchify).
double bilm_eval_loss(const BiLm& model, const Tensor& ids, int64_t bptt);

// The whole command: data in, model and results.json out.
BiLmTrainResult run_bilm_training(const BiLmTrainOptions& opt);

}  // namespace lmf::models
