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
#include "dist/comm.h"
#include "dist/data_parallel.h"
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

// Mean loss over `batches` micro-batches of the validation loader (from its start); each
// rank scores its rows and the ranks' means are averaged (equal row counts).
double evaluate(Transformer& model, DataLoader& val, int64_t batches, Tensor& x, Tensor& y, const dist::Comm& comm,
                const dist::RowSlice& rows) {
  autograd::NoGradGuard ng;
  LoaderState start = val.state();
  double sum = 0;
  for (int64_t i = 0; i < batches; ++i) {
    val.next(x, y);
    sum += model.loss(dist::take_rows(x, rows), dist::take_rows(y, rows)).item();
  }
  val.restore(start);
  comm.allreduce_sum(&sum, 1);
  return sum / double(batches) / double(comm.size());
}

}  // namespace

TrainResult run_training(const TrainOptions& o) {
  if (o.batch <= 0 || o.seq <= 0 || o.grad_accum <= 0 || o.steps <= 0)
    throw Error("--batch, --seq, --grad-accum and --steps must be positive");
  const dist::Comm& comm = dist::world();
  const dist::RowSlice rows = dist::rank_rows(o.batch, comm.rank(), comm.size(), "--batch");
  const bool root = comm.is_root();
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

  // ---- data parallel: every rank starts from rank 0's weights ----
  std::vector<dist::NamedParam> dp_params;
  for (Param& p : m.params()) dp_params.push_back({p.name, p.value});
  dist::DataParallel dp(comm, dp_params, int64_t(o.bucket_mb * double(1 << 20)), o.zero == 1);
  dp.broadcast_parameters();

  // ---- data ----
  std::unique_ptr<io::OutputDir> out;  // removed again if the run fails before writing to it
  if (root) out = std::make_unique<io::OutputDir>(o.out_dir);
  DataLoader loader(data::TokenShard::open(o.data_dir + "/train.bin"), o.batch, o.seq, parse_order(o.order), o.seed,
                    cfg.vocab_size);
  std::unique_ptr<DataLoader> val;
  if (fs::exists(o.data_dir + "/val.bin")) {
    auto shard = data::TokenShard::open(o.data_dir + "/val.bin");
    if (int64_t(shard.size()) >= o.batch * o.seq + 1)
      val = std::make_unique<DataLoader>(shard, o.batch, o.seq, Order::Sequential, 0, cfg.vocab_size);
  }
  const int64_t eval_batches = val ? std::max<int64_t>(1, std::min(o.eval_batches, val->batches_per_epoch())) : 0;
  if (root && fs::exists(o.data_dir + "/tokenizer.json") && !fs::exists(o.out_dir + "/tokenizer.json"))
    fs::copy_file(o.data_dir + "/tokenizer.json", o.out_dir + "/tokenizer.json");

  // ---- optimizer and schedule ----
  optim::AdamWOptions ao;
  ao.lr = o.lr;
  ao.beta1 = 0.9;
  ao.beta2 = 0.95;
  ao.eps = 1e-8;
  optim::NamedTensors mine;  // the parameters this rank updates (all but under ZeRO-1)
  for (auto& np : named_params(m))
    if (dp.owns(np.first)) mine.push_back(np);
  optim::AdamW opt(optim::decay_groups(mine, o.weight_decay), ao);
  optim::LrSchedule sched = o.schedule == "constant"
                                ? optim::LrSchedule::constant(o.lr)
                                : optim::LrSchedule::warmup_cosine(o.lr, o.min_lr, std::min(o.warmup, o.steps - 1), o.steps);

  int64_t start_step = 0;
  if (resuming) {
    SavedRunState saved = load_run_state(state_dir);
    start_step = saved.state.step;
    optim::NamedTensors own_state;
    for (auto& st : saved.tensors)
      if (dp.owns(optim::split_state_name(st.first, "AdamW").first)) own_state.push_back(st);
    opt.load_state(own_state);
    loader.restore(LoaderState::from_json(saved.state.loader));
  }
  std::unique_ptr<MetricsLog> metrics;
  if (root) metrics = std::make_unique<MetricsLog>(o.out_dir + "/metrics.jsonl", resuming ? start_step : -1);
  auto write_metrics = [&](nlohmann::ordered_json row) {
    row["world_size"] = comm.size();
    if (metrics) metrics->write(row);
  };

  // Every rank calls save (the ZeRO-1 optimizer state is gathered from all); rank 0 writes.
  auto save = [&](int64_t step) {
    optim::NamedTensors opt_state = dp.zero1() ? dp.gather_named(opt.state()) : opt.state();
    if (!root) return;
    save_model(m, o.out_dir);
    RunState st;
    st.step = step;
    st.seed = o.seed;
    st.loader = loader.state().to_json();
    st.options = {{"steps", o.steps}, {"batch", o.batch}, {"seq", o.seq}, {"grad_accum", o.grad_accum},
                  {"lr", o.lr}, {"min_lr", o.min_lr}, {"warmup", o.warmup}, {"schedule", o.schedule},
                  {"weight_decay", o.weight_decay}, {"grad_clip", o.grad_clip}, {"order", o.order}};
    save_run_state(training_state_dir(o.out_dir, true), st, opt_state);
  };

  TrainResult res;
  Tensor x, y, vx, vy;
  if (val && start_step == 0 && o.eval_every > 0) {
    res.val_loss = evaluate(m, *val, eval_batches, vx, vy, comm, rows);
    write_metrics({{"step", 0}, {"val_loss", res.val_loss}});
  }
  const int64_t tokens_per_step = o.batch * o.seq * o.grad_accum;
  const bool quiet = o.quiet || !root;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> devnull(quiet ? std::fopen("/dev/null", "w") : nullptr, &std::fclose);
  io::Progress progress(o.steps, tokens_per_step, start_step, 10, quiet ? devnull.get() : stderr);
  if (comm.size() > 1) progress.message("data parallel: " + comm.describe());
  double train_seconds = 0;
  int64_t step = start_step;
  while (step < o.steps) {
    auto t0 = Clock::now();
    const double lr = sched.at(step);
    opt.set_lr(lr);
    opt.zero_grad();
    for (auto& p : m.params()) p.value.zero_grad();  // under ZeRO-1 the optimizer holds only this rank's
    const double wait_before = dp.wait_seconds();
    double loss_sum = 0;
    for (int64_t k = 0; k < o.grad_accum; ++k) {
      loader.next(x, y);
      ForwardOptions fo;
      fo.training = true;
      fo.dropout_seed = o.seed * 1000003ull + uint64_t(step * o.grad_accum + k);
      Tensor loss = m.loss(dist::take_rows(x, rows), dist::take_rows(y, rows), fo);
      loss_sum += loss.item();
      if (k == o.grad_accum - 1) dp.arm();
      (o.grad_accum > 1 ? scale(loss, 1.0f / float(o.grad_accum)) : loss).backward();
    }
    dp.finish(1.0f / float(comm.size()));  // the mean over ranks of their mean losses' gradients
    comm.allreduce_sum(&loss_sum, 1);
    loss_sum /= double(comm.size());
    double gnorm = o.grad_clip <= 0 ? -1
                   : dp.zero1()     ? dp.global_grad_norm_clip(o.grad_clip)
                                    : optim::clip_grad_norm(opt, o.grad_clip);
    opt.step();
    dp.gather_parameters();
    ++step;
    double dt = std::chrono::duration<double>(Clock::now() - t0).count();
    train_seconds += dt;
    res.last_loss = loss_sum / double(o.grad_accum);
    res.tokens_per_s = double(tokens_per_step) / dt;
    nlohmann::ordered_json row = {{"step", step}, {"loss", res.last_loss}, {"lr", lr},
                                  {"tokens_per_s", res.tokens_per_s}};
    if (gnorm >= 0) row["grad_norm"] = gnorm;
    if (comm.size() > 1) {
      row["comm_wait_s"] = dp.wait_seconds() - wait_before;
      row["buckets"] = dp.buckets();
      row["buckets_started_in_backward"] = dp.buckets_started_in_backward();
    }
    write_metrics(row);
    progress.step(step, res.last_loss, lr);

    double slowest = train_seconds;  // every rank stops at the same step
    if (o.time_limit_s > 0) comm.allreduce_max(&slowest, 1);
    const bool out_of_time = o.time_limit_s > 0 && slowest >= o.time_limit_s;
    const bool last = step == o.steps || out_of_time;
    if (val && ((o.eval_every > 0 && step % o.eval_every == 0) || last)) {
      res.val_loss = evaluate(m, *val, eval_batches, vx, vy, comm, rows);
      write_metrics({{"step", step}, {"val_loss", res.val_loss}});
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
  if (root) write_loss_svg(o.out_dir + "/metrics.jsonl", o.out_dir + "/loss.svg", "training loss (" + o.out_dir + ")");
  return res;
}

}  // namespace lmf::train
