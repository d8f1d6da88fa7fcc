// lmforge train --arch lstm|gru: a recurrent language model (embedding → LSTM/GRU → linear)
// trained with truncated backpropagation through time on token shards; the model directory
// holds PyTorch's parameter names (models/rnn_lm.h), results.json the validation perplexity.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/train_arch.h"
#include "models/rnn_lm_train.h"

namespace lmf::cli {
namespace {

int run_train_rnn(int argc, char** argv) {
  const std::string kind = arch_argument(argc, argv);
  CLI::App app{"Train a recurrent language model (token embedding, " + std::string(kind == "gru" ? "a GRU" : "an LSTM") +
                   " stack, a linear decoder) with truncated backpropagation through time: the token stream is cut "
                   "into --batch parallel streams read --bptt tokens at a time, the hidden state carried across "
                   "chunks (detached)",
               "lmforge train --arch " + kind};
  std::string arch;
  int threads = 0;
  models::RnnLmTrainOptions o;
  o.model.kind = rnn_kind_from(kind, "--arch");
  o.model.hidden_size = 256;
  app.add_option("--arch", arch, "model family: lstm | gru")->required();
  app.add_option("--data", o.data_dir, "directory with train.bin (and val.bin, meta.json) from `lmforge data tokenize`")
      ->required();
  app.add_option("--out", o.out_dir, "model directory: config.json, model.safetensors, tokenizer.json, results.json")
      ->required();
  app.add_option("--hidden", o.model.hidden_size, "hidden size H")->check(int_range<int64_t>(1, 65536))->capture_default_str();
  app.add_option("--embedding", o.model.embedding_size, "embedding size (default: --hidden)")
      ->check(int_range<int64_t>(1, 65536));
  app.add_option("--layers", o.model.num_layers, "recurrent layers")->check(int_range<int64_t>(1, 64))->capture_default_str();
  app.add_option("--bptt", o.bptt, "tokens per chunk (truncated BPTT length)")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--batch", o.batch, "parallel streams (B)")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--eval-batch", o.eval_batch, "parallel streams for validation")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--steps", o.steps, "optimizer steps (chunks) in total")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--lr", o.lr, "AdamW learning rate")->check(real_positive())->capture_default_str();
  app.add_option("--weight-decay", o.weight_decay, "AdamW decoupled weight decay on >= 2-D tensors")->check(real_at_least(0))->capture_default_str();
  app.add_option("--grad-clip", o.grad_clip, "global gradient-norm clip (0 = off)")->check(real_at_least(0))->capture_default_str();
  app.add_option("--seed", o.seed, "seed for initialisation")->capture_default_str();
  app.add_option("--eval-every", o.eval_every, "validation every N steps (0 = at the end only)")->check(int_at_least<int64_t>(0))->capture_default_str();
  app.add_option("--time-limit", o.time_limit_s, "stop and save after this many seconds of training (0 = none)")->check(real_at_least(0));
  app.add_flag("--quiet", o.quiet, "no progress output");
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  std::printf("%s\n", models::result_json(models::run_rnn_lm_training(o), kind).dump().c_str());
  return 0;
}

TrainArch reg_lstm("lstm", "LSTM language model, truncated BPTT (PyTorch nn.LSTM names)", run_train_rnn);
TrainArch reg_gru("gru", "GRU language model, truncated BPTT (PyTorch nn.GRU names)", run_train_rnn);

}  // namespace
}  // namespace lmf::cli
