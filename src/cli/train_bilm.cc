// lmforge train --arch bilm: an ELMo-style bidirectional LM (a token embedding read by a
// forward and a backward LSTM LM sharing one softmax layer, models/bilm.h) trained on windows
// of token shards; the model directory holds PyTorch-style names, results.json the
// validation perplexity.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/train_arch.h"
#include "models/bilm_train.h"

namespace lmf::cli {
namespace {

int run_train_bilm(int argc, char** argv) {
  CLI::App app{"Train an ELMo-style biLM: a token embedding read by a forward LSTM LM and by a backward LSTM LM "
               "(which reads the text reversed), one softmax layer shared by both; the loss is the mean of the two "
               "directions' next-token cross-entropies over windows of --bptt tokens",
               "lmforge train --arch bilm"};
  std::string arch;
  int threads = 0;
  models::BiLmTrainOptions o;
  o.model.hidden_size = 256;
  app.add_option("--arch", arch, "model family: bilm")->required();
  app.add_option("--data", o.data_dir, "directory with train.bin (and val.bin, meta.json) from `lmforge data tokenize`")
      ->required();
  app.add_option("--out", o.out_dir, "model directory: config.json, model.safetensors, tokenizer.json, results.json")
      ->required();
  app.add_option("--hidden", o.model.hidden_size, "hidden size H (also the embedding size)")
      ->check(int_range<int64_t>(1, 65536))
      ->capture_default_str();
  app.add_option("--layers", o.model.num_layers, "LSTM layers in each direction")
      ->check(int_range<int64_t>(1, 64))
      ->capture_default_str();
  app.add_option("--bptt", o.bptt, "tokens per window")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--batch", o.batch, "parallel streams (B)")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--eval-batch", o.eval_batch, "parallel streams for validation")
      ->check(int_at_least<int64_t>(1))
      ->capture_default_str();
  app.add_option("--steps", o.steps, "optimizer steps (windows) in total")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--lr", o.lr, "AdamW learning rate")->check(real_positive())->capture_default_str();
  app.add_option("--weight-decay", o.weight_decay, "AdamW decoupled weight decay on >= 2-D tensors")
      ->check(real_at_least(0))
      ->capture_default_str();
  app.add_option("--grad-clip", o.grad_clip, "global gradient-norm clip (0 = off)")->check(real_at_least(0))->capture_default_str();
  app.add_option("--seed", o.seed, "seed for initialisation")->capture_default_str();
  app.add_option("--time-limit", o.time_limit_s, "stop and save after this many seconds of training (0 = none)")->check(real_at_least(0));
  app.add_flag("--quiet", o.quiet, "no progress output");
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  std::printf("%s\n", models::result_json(models::run_bilm_training(o), "bilm").dump().c_str());
  return 0;
}

TrainArch reg_bilm("bilm", "ELMo-style biLM: forward and backward LSTM LMs, shared embedding and softmax", run_train_bilm);

}  // namespace
}  // namespace lmf::cli
