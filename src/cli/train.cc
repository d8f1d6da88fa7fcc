// lmforge train: pretrain (or continue training) a GPT-2 / Llama model on token shards.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.h"
#include "cli/flags.h"
#include "cli/train_arch.h"
#include "core/error.h"
#include "core/threads.h"
#include "models/config.h"
#include "train/trainer.h"

namespace lmf::cli {
namespace {

int run_train(int argc, char** argv) {
  const std::string arch = arch_argument(argc, argv);
  std::vector<std::string> archs = {"transformer"};
  for (const CommandInfo& a : train_arch_registry()) {
    if (a.name == arch) return a.fn(argc, argv);
    archs.push_back(a.name);
  }
  CLI::App app{"Train a decoder-only Transformer by next-token prediction", "lmforge train"};
  std::string arch_flag = "transformer";
  app.add_option("--arch", arch_flag, "model family (each other family has its own --help: lmforge train --arch NAME --help)")
      ->check(CLI::IsMember(archs))
      ->capture_default_str();
  train::TrainOptions o;
  int threads = 0;
  std::string presets;
  for (auto& n : ModelConfig::preset_names()) presets += (presets.empty() ? "" : ", ") + n;
  app.add_option("--data", o.data_dir, "directory with train.bin (and val.bin) from `lmforge data tokenize`")->required();
  app.add_option("--out", o.out_dir, "run directory: the model (HF layout), training state, metrics.jsonl, loss.svg")->required();
  auto* init = app.add_option("--init", o.init_dir, "start from this model directory's weights");
  auto* cfg = app.add_option("--config", o.config_path, "start from random weights with this config.json");
  auto* pre = app.add_option("--preset", o.preset, "start from random weights with a preset: " + presets);
  init->excludes(cfg)->excludes(pre);
  cfg->excludes(pre);
  app.add_option("--batch", o.batch, "sequences per micro-batch (B); under mpirun the global batch, split among the ranks")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--seq", o.seq, "sequence length (T)")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--grad-accum", o.grad_accum, "micro-batches per optimizer step")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--steps", o.steps, "optimizer steps in total")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--lr", o.lr, "peak learning rate")->check(real_positive())->capture_default_str();
  app.add_option("--schedule", o.schedule, "constant | cosine (linear warm-up, cosine decay to --min-lr)")
      ->check(CLI::IsMember({"constant", "cosine"}))
      ->capture_default_str();
  app.add_option("--warmup", o.warmup, "warm-up steps (cosine)")->check(int_at_least<int64_t>(0))->capture_default_str();
  app.add_option("--min-lr", o.min_lr, "learning-rate floor (cosine)")->check(real_at_least(0))->capture_default_str();
  app.add_option("--weight-decay", o.weight_decay, "AdamW decoupled weight decay on >= 2-D tensors")->check(real_at_least(0))->capture_default_str();
  app.add_option("--grad-clip", o.grad_clip, "global gradient-norm clip (0 = off)")->check(real_at_least(0))->capture_default_str();
  app.add_option("--seed", o.seed, "seed for initialisation, data order and dropout")->capture_default_str();
  app.add_option("--order", o.order, "sequential (llm.c) | shuffled")
      ->check(CLI::IsMember({"sequential", "shuffled"}))
      ->capture_default_str();
  app.add_option("--eval-every", o.eval_every, "validation loss every N steps (0 = at the end only)")->check(int_at_least<int64_t>(0))->capture_default_str();
  app.add_option("--eval-batches", o.eval_batches, "micro-batches per validation")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--save-every", o.save_every, "checkpoint every N steps (0 = at the end only)")->check(int_at_least<int64_t>(0))->capture_default_str();
  app.add_flag("--resume", o.resume, "continue the run in --out from its last checkpoint");
  app.add_option("--dropout", o.dropout, "dropout probability (default: the config's, 0 for presets)")->check(real_range(0, 0.999));
  app.add_option("--time-limit", o.time_limit_s, "stop and save after this many seconds of training (0 = none)")->check(real_at_least(0));
  app.add_flag("--quiet", o.quiet, "no progress output");
  add_data_parallel_flags(app, o.bucket_mb, o.zero);
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  if (!o.resume && o.init_dir.empty() && o.config_path.empty() && o.preset.empty())
    throw lmf::Error("give one of --init MODEL_DIR, --config config.json or --preset NAME (or --resume)");
  train::TrainResult r = train::run_training(o);
  std::printf("{\"steps\": %lld, \"loss\": %.6f, \"val_loss\": %.6f, \"tokens_per_s\": %.1f}\n",
              (long long)r.steps_done, r.last_loss, r.val_loss, r.tokens_per_s);
  return 0;
}

Command reg("train", "pretrain or continue training a model on token shards", run_train);

}  // namespace
}  // namespace lmf::cli
