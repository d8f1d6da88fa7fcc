// Pretraining BERT (models/bert.h) with the masked-LM objective (models/bert_mlm.h) on token
// shards (`lmforge data tokenize`: train.bin, val.bin, meta.json, tokenizer.json).
//
// Step s (0-based): B windows of `seq` ids at offsets drawn from (seed, s), each wrapped
// [CLS] … [SEP] (mlm_windows), masked by mask_tokens(seed, s); loss = mean cross-entropy at
// the chosen positions; backward, global gradient-norm clip (grad_clip > 0), AdamW step
// (β = 0.9, 0.999; weight decay on ≥ 2-D tensors) at the step's learning rate (linear
// warm-up over `warmup` steps then constant, warmup 0: constant). Hidden dropout
// (--dropout) uses the seed (seed, s). Everything a step draws depends on (seed, s) alone,
// so `resume` continues bit-identically from the saved model, AdamW moments and step.
//
// The tokenizer is DATA/tokenizer.json with those of [PAD], [UNK], [CLS], [SEP], [MASK] that
// it lacks added after its last id (with_bert_special_tokens; a byte-level BPE trained for
// GPT has none); that tokenizer is the one written to OUT. vocab_size is the larger of
// meta.json's and the tokenizer's.
//
// Validation: the MLM loss over the first `eval_windows` consecutive windows of val.bin,
// masked with a fixed seed (the same positions at every evaluation), token-weighted; at the
// end also the pseudo-perplexity over the first `pppl_tokens` ids of val.bin (and its bits
// per byte).
//
// Writes OUT/config.json, model.safetensors, tokenizer.json (copied), metrics.jsonl (a row a
// step: step, loss, lr, tokens_per_s; a row an evaluation: step, val_loss), loss.svg,
// results.json, and training_state/ (train/run_state.h) whenever the model is saved (every
// save_every steps, at the end, at the time limit).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "models/bert.h"
#include "models/bert_mlm.h"
#include "models/rnn_lm_train.h"

namespace lmf::models {

struct BertTrainOptions {
  std::string data_dir, out_dir;
  BertConfig model;  // vocab_size 0: from the data
  int64_t batch = 16, seq = 126, steps = 1000;
  double lr = 5e-4, weight_decay = 0.01, grad_clip = 1.0;
  int64_t warmup = 0;
  uint64_t seed = 1;
  int64_t eval_every = 0;      // validation every N steps (0: at the end only)
  int64_t eval_windows = 32;   // validation windows of val.bin
  int64_t pppl_tokens = 1024;  // ids of val.bin scored for the pseudo-perplexity (0: none)
  int64_t save_every = 0;      // also save the model and training state every N steps
  double time_limit_s = 0.0;   // stop (and save) after this much training time
  bool resume = false;         // continue the run saved in out_dir
  bool quiet = false;
};

struct BertTrainResult : RnnLmTrainResult {
  int64_t start_step = 0;  // 0, or the step a resumed run started from
  double val_pseudo_perplexity = 0, val_bits_per_byte = 0;
  int64_t pppl_tokens = 0;
};

// The learning rate at 0-based `step`: lr · min(1, (step + 1) / warmup).
double bert_lr(const BertTrainOptions& opt, int64_t step);

// One optimizer step on the batch of `step` drawn from `stream`; returns the loss.
float bert_train_step(const Bert& model, optim::AdamW& adam, std::span<const int32_t> stream,
                      const BertSpecialIds& specials, const BertTrainOptions& opt, int64_t step);

// Mean MLM loss over the first `windows` consecutive windows of `stream`, masked with a fixed seed.
double bert_eval_loss(const Bert& model, std::span<const int32_t> stream, const BertSpecialIds& specials,
                      int64_t seq, int64_t windows, uint64_t seed);

// The whole command: data in, model directory, metrics and results out.
BertTrainResult run_bert_training(const BertTrainOptions& opt);

// The line `lmforge train --arch bert` prints (result_json's fields, start_step and the
// pseudo-perplexity fields when measured).
nlohmann::json bert_result_json(const BertTrainResult& r);

}  // namespace lmf::models
