#include "train/trainer.h"

#include <chrono>
#include <cstdio>
#include <cmath>
#include <filesystem>
#include <memory>
#include <nlohmann/json.hpp>

#include "core/autograd.h"
#include "core/ops/elementwise.h"
#include "core/optim/adamw.h"
#include "core/optim/clip.h"
#include "core/optim/schedule.h"
#include "io/atomic_file.h"
#include "io/output_dir.h"
#include "io/progress.h"
#include "models/checkpoint.h"
#include "train/data_loader.h"
#include "train/metrics_log.h"
#include "train/plot_svg.h"
#include "train/run_state.h"

namespace fs = std::filesystem;

namespace lmf::train {
namespace {

using Clock = std::chrono::steady_clock;

// The data's vocabulary from meta.json: its size (0 when unknown) and end-of-text id (-1).
struct DataVocab {
  int64_t size = 0, eot_id = -1;
};
DataVocab data_vocab(const std::string& data_dir) {
  std::string meta = data_dir + "/meta.json";
  if (!fs::exists(meta)) return {};
  try {
    auto j = nlohmann::json::parse(io::read_file(meta));
    DataVocab v;
    v.size = j.value("vocab_size", int64_t(0));
    if (j.contains("eot_id") && j["eot_id"].is_number_integer()) v.eot_id = j["eot_id"].get<int64_t>();
    return v;
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(meta + ": " + e.what());
  }
}

optim::NamedTensors named_params(Transformer& m) {
  optim::NamedTensors out;
  for (Param& p : m.params()) out.push_back({p.name, p.value});
  return out;
}

// Mean loss over `batches` micro-batches of the validation loader (from its start).
double evaluate(Transformer& model, DataLoader& val, int64_t batches, Tensor& x, Tensor& y) {
  autograd::NoGradGuard ng;
  LoaderState start = val.state();
  double sum = 0;
  for (int64_t i = 0; i < batches; ++i) {
    val.next(x, y);
    sum += model.loss(x, y).item();
  }
  val.restore(start);
  return sum / double(batches);
}

}  // namespace

TrainResult run_training(const TrainOptions& o) {
  if (o.batch <= 0 || o.seq <= 0 || o.grad_accum <= 0 || o.steps <= 0)
    throw Error("--batch, --seq, --grad-accum and --steps must be positive");
  if (!fs::is_directory(o.data_dir))
    throw Error("--data " + o.data_dir + ": no such directory (`lmforge data tokenize` writes one)");
  if (!fs::exists(o.data_dir + "/train.bin"))
    throw Error("--data " + o.data_dir + ": has no train.bin (`lmforge data tokenize` writes one)");
  const std::string state_dir = training_state_dir(o.out_dir);
  const bool resuming = o.resume && has_run_state(state_dir);
  if (o.resume && !resuming && o.init_dir.empty() && o.config_path.empty() && o.preset.empty())
    throw Error("--resume: " + o.out_dir + " holds no training state (" + kTrainingStateDir + "/" + kRunStateFile +
                ") to resume from");

  // ---- model ----
  std::unique_ptr<Transformer> model;
  if (resuming) {
    model = std::make_unique<Transformer>(load_model(o.out_dir));
  } else if (!o.init_dir.empty()) {
    model = std::make_unique<Transformer>(load_model(o.init_dir));
  } else {
    ModelConfig cfg = !o.config_path.empty() ? ModelConfig::load(o.config_path) : ModelConfig::preset(o.preset);
    const DataVocab dv = data_vocab(o.data_dir);
    if (o.config_path.empty()) {
      if (dv.size <= 0) throw Error(o.data_dir + "/meta.json is missing: cannot size the vocabulary for --preset");
      cfg.vocab_size = dv.size;
    }
    // The end-of-text token starts and ends a text (GPT-2's convention), as Hugging Face reads it.
    if (dv.eot_id >= 0 && dv.eot_id < cfg.vocab_size) {
      if (cfg.bos_token_id < 0) cfg.bos_token_id = dv.eot_id;
      if (cfg.eos_token_id < 0) cfg.eos_token_id = dv.eot_id;
    }
    model = std::make_unique<Transformer>(cfg);
    model->init_weights(o.seed);
  }
  Transformer& m = *model;
  if (o.dropout >= 0) m.set_dropout(float(o.dropout));
  m.set_requires_grad(true);
  const ModelConfig& cfg = m.config();
  if (o.seq > cfg.n_positions)
    throw Error("--seq " + std::to_string(o.seq) + " exceeds the model's context of " + std::to_string(cfg.n_positions));

  // ---- data ----
  io::OutputDir out(o.out_dir);  // removed again if the run fails before writing to it
  DataLoader loader(data::TokenShard::open(o.data_dir + "/train.bin"), o.batch, o.seq, parse_order(o.order), o.seed,
                    cfg.vocab_size);
  std::unique_ptr<DataLoader> val;
  if (fs::exists(o.data_dir + "/val.bin")) {
    auto shard = data::TokenShard::open(o.data_dir + "/val.bin");
    if (int64_t(shard.size()) >= o.batch * o.seq + 1)
      val = std::make_unique<DataLoader>(shard, o.batch, o.seq, Order::Sequential, 0, cfg.vocab_size);
  }
  const int64_t eval_batches = val ? std::max<int64_t>(1, std::min(o.eval_batches, val->batches_per_epoch())) : 0;
  if (fs::exists(o.data_dir + "/tokenizer.json") && !fs::exists(o.out_dir + "/tokenizer.json"))
    fs::copy_file(o.data_dir + "/tokenizer.json", o.out_dir + "/tokenizer.json");

  // ---- optimizer and schedule ----
  optim::AdamWOptions ao;
  ao.lr = o.lr;
  ao.beta1 = 0.9;
  ao.beta2 = 0.95;
  ao.eps = 1e-8;
  optim::AdamW opt(optim::decay_groups(named_params(m), o.weight_decay), ao);
  optim::LrSchedule sched = o.schedule == "constant"
                                ? optim::LrSchedule::constant(o.lr)
                                : optim::LrSchedule::warmup_cosine(o.lr, o.min_lr, std::min(o.warmup, o.steps - 1), o.steps);

  int64_t start_step = 0;
  if (resuming) {
    SavedRunState saved = load_run_state(state_dir);
    start_step = saved.state.step;
    opt.load_state(saved.tensors);
    loader.restore(LoaderState::from_json(saved.state.loader));
  }
  MetricsLog metrics(o.out_dir + "/metrics.jsonl", resuming ? start_step : -1);

  auto save = [&](int64_t step) {
    save_model(m, o.out_dir);
    RunState st;
    st.step = step;
    st.seed = o.seed;
    st.loader = loader.state().to_json();
    st.options = {{"steps", o.steps}, {"batch", o.batch}, {"seq", o.seq}, {"grad_accum", o.grad_accum},
                  {"lr", o.lr}, {"min_lr", o.min_lr}, {"warmup", o.warmup}, {"schedule", o.schedule},
                  {"weight_decay", o.weight_decay}, {"grad_clip", o.grad_clip}, {"order", o.order}};
    save_run_state(training_state_dir(o.out_dir, true), st, opt.state());
  };

  TrainResult res;
  Tensor x, y, vx, vy;
  if (val && start_step == 0 && o.eval_every > 0) {
    res.val_loss = evaluate(m, *val, eval_batches, vx, vy);
    metrics.write({{"step", 0}, {"val_loss", res.val_loss}});
  }
  const int64_t tokens_per_step = o.batch * o.seq * o.grad_accum;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> devnull(o.quiet ? std::fopen("/dev/null", "w") : nullptr, &std::fclose);
  io::Progress progress(o.steps, tokens_per_step, start_step, 10, o.quiet ? devnull.get() : stderr);
  double train_seconds = 0;
  int64_t step = start_step;
  while (step < o.steps) {
    auto t0 = Clock::now();
    const double lr = sched.at(step);
    opt.set_lr(lr);
    opt.zero_grad();
    double loss_sum = 0;
    for (int64_t k = 0; k < o.grad_accum; ++k) {
      loader.next(x, y);
      ForwardOptions fo;
      fo.training = true;
      fo.dropout_seed = o.seed * 1000003ull + uint64_t(step * o.grad_accum + k);
      Tensor loss = m.loss(x, y, fo);
      loss_sum += loss.item();
      (o.grad_accum > 1 ? scale(loss, 1.0f / float(o.grad_accum)) : loss).backward();
    }
    double gnorm = o.grad_clip > 0 ? optim::clip_grad_norm(opt, o.grad_clip) : -1;
    opt.step();
    ++step;
    double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    train_seconds += dt;
    res.last_loss = loss_sum / double(o.grad_accum);
    res.tokens_per_s = double(tokens_per_step) / dt;
    nlohmann::ordered_json row = {{"step", step}, {"loss", res.last_loss}, {"lr", lr},
                                  {"tokens_per_s", res.tokens_per_s}};
    if (gnorm >= 0) row["grad_norm"] = gnorm;
    metrics.write(row);
    progress.step(step, res.last_loss, lr);

    const bool out_of_time = o.time_limit_s > 0 && train_seconds >= o.time_limit_s;
    const bool last = step == o.steps || out_of_time;
    if (val && ((o.eval_every > 0 && step % o.eval_every == 0) || last)) {
      res.val_loss = evaluate(m, *val, eval_batches, vx, vy);
      metrics.write({{"step", step}, {"val_loss", res.val_loss}});
      progress.message("step " + std::to_string(step) + ": val_loss " + std::to_string(res.val_loss));
    }
    if (last || (o.save_every > 0 && step % o.save_every == 0)) save(step);
    if (out_of_time) {
      progress.message("time limit of " + std::to_string(o.time_limit_s) + " s reached at step " + std::to_string(step));
      break;
    }
  }
  progress.finish();
  res.steps_done = step;
  write_loss_svg(o.out_dir + "/metrics.jsonl", o.out_dir + "/loss.svg", "training loss (" + o.out_dir + ")");
  return res;
}

}  // namespace lmf::train
