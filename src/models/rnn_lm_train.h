// Training a recurrent language model (models/rnn_lm.h) on token shards with truncated
// backpropagation through time, as PyTorch's word-language-model example does it:
//
//   batchify: the shard's N ids are cut into B streams of S = ⌊N / B⌋ consecutive ids
//   (the last N − B·S ids are dropped); stream b is column b of a (S, B) matrix.
//   chunk at row i: inputs rows [i, i + L), targets rows [i + 1, i + 1 + L),
//   L = min(bptt, S − 1 − i); i advances by bptt and returns to 0 (a new epoch) when
//   i ≥ S − 1.
//   The hidden state is carried from chunk to chunk detached (gradients stop at the chunk
//   boundary); it starts at zeros, and again at each epoch.
//
// Each step: loss = mean cross-entropy over the chunk's L·B targets, backward, global
// gradient-norm clip (--grad-clip, 0 = off), AdamW step (torch.optim.AdamW's update,
// weight decay on ≥ 2-D tensors). Validation loss is the token-weighted mean over every
// chunk of val.bin batchified with eval_batch streams, the state carried through; its
// perplexity is exp(loss).
//
// run_rnn_lm_training reads DIR/train.bin, DIR/val.bin (optional), DIR/meta.json's
// vocab_size (else the largest id + 1), trains, and writes the model directory (config.json,
// model.safetensors, tokenizer.json copied from DIR when there) and results.json with the
// figures of RnnLmTrainResult. Errors name the file or the option.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "core/optim/adamw.h"
#include "data/token_shard.h"
#include "models/rnn_lm.h"

namespace lmf::models {

struct RnnLmTrainOptions {
  std::string data_dir, out_dir;
  RnnLmConfig model;  // vocab_size 0: from the data; embedding_size 0: hidden_size
  int64_t batch = 20, bptt = 35, steps = 200;
  int64_t eval_batch = 10;
  double lr = 2e-3, weight_decay = 0.0, grad_clip = 0.25;
  uint64_t seed = 1;
  int64_t eval_every = 0;     // validation every N steps (0: at the end only)
  double time_limit_s = 0.0;  // stop after this much training time (0: none)
  bool quiet = false;
};

struct RnnLmTrainResult {
  int64_t steps = 0, parameters = 0, tokens = 0;
  double seconds = 0, tokens_per_s = 0;
  double train_loss = 0;                // mean over the last 20 steps
  double val_loss = 0, val_ppl = 0;     // 0 when there is no val.bin
  std::vector<float> losses;            // every step's training loss
};

// The (S, B) batchified stream of a shard, as I32.
Tensor batchify(const data::TokenShard& shard, int64_t B);
// Rows [i, i + n) of an (S, B) stream as a contiguous (n, B) I32 tensor.
Tensor stream_rows(const Tensor& ids, int64_t i, int64_t n);

// The steps shared by the recurrent LMs' loops (this one and models/bilm_train.h):
// optimizer_step zeroes the gradients, backpropagates `loss`, clips the global gradient norm
// (grad_clip > 0) and takes the AdamW step, returning the loss; record_step adds a step of
// `tokens` targets to r; finish_result sets tokens_per_s and train_loss (the mean of the
// last 20 steps' losses) from r's steps and r.seconds.
float optimizer_step(optim::AdamW& adam, const Tensor& loss, double grad_clip);
void record_step(RnnLmTrainResult& r, float loss, int64_t tokens);
void finish_result(RnnLmTrainResult& r);
// The line `lmforge train --arch lstm|gru|bilm` prints: arch, parameters, steps, tokens,
// seconds, tokens_per_s, train_loss, and val_loss and val_perplexity when measured.
nlohmann::json result_json(const RnnLmTrainResult& r, const std::string& arch);

// A `data tokenize` directory as the recurrent LMs (this one and models/bilm_train.h) read
// it: DIR/train.bin; DIR/val.bin when present and at least 2·eval_batch ids long; the
// vocabulary size — `vocab_size` when not 0, else meta.json's vocab_size, else the largest
// id + 1. An id outside the vocabulary is an Error naming DIR.
struct TokenData {
  data::TokenShard train;
  std::optional<data::TokenShard> val;
  int64_t vocab_size = 0;
};
TokenData open_token_data(const std::string& dir, int64_t eval_batch, int64_t vocab_size);

// Trains `model` in place for opt.steps chunks of `train_ids` ((S, B) from batchify).
// `on_step(step, loss)` is called after each step (may be empty).
RnnLmTrainResult train_rnn_lm(RnnLm& model, const Tensor& train_ids, const RnnLmTrainOptions& opt,
                              const std::function<void(int64_t, float)>& on_step = {});

// Token-weighted mean cross-entropy of the model over `ids` ((S, B) from batchify).
double rnn_lm_eval_loss(const RnnLm& model, const Tensor& ids, int64_t bptt);

// The whole command: data in, model and results.json out.
RnnLmTrainResult run_rnn_lm_training(const RnnLmTrainOptions& opt);

}  // namespace lmf::models
