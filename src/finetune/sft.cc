#include "finetune/sft.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <numeric>
#include <random>

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops/elementwise.h"
#include "core/ops/loss.h"
#include "core/optim/clip.h"
#include "dist/data_parallel.h"
#include "finetune/trainable.h"
#include "io/output_dir.h"
#include "models/checkpoint.h"
#include "train/epoch_sampler.h"
#include "train/metrics_log.h"

namespace fs = std::filesystem;

namespace lmf::ft {

void make_batch(const std::vector<EncodedChat>& data, const std::vector<size_t>& idx, int64_t max_len, Tensor& x,
                Tensor& y) {
  const int64_t B = int64_t(idx.size());
  std::vector<std::vector<int32_t>> xs(idx.size()), ys(idx.size());
  int64_t T = 1;
  for (size_t b = 0; b < idx.size(); ++b) {
    make_example(data[idx[b]], max_len, xs[b], ys[b]);
    T = std::max<int64_t>(T, int64_t(xs[b].size()));
  }
  std::vector<int32_t> xv(size_t(B * T), 0), yv(size_t(B * T), -100);
  for (size_t b = 0; b < idx.size(); ++b) {
    std::copy(xs[b].begin(), xs[b].end(), xv.begin() + int64_t(b) * T);
    std::copy(ys[b].begin(), ys[b].end(), yv.begin() + int64_t(b) * T);
  }
  x = Tensor::from_ints(xv, {B, T});
  y = Tensor::from_ints(yv, {B, T});
}

void make_packed_batch(const std::vector<EncodedChat>& data, const std::vector<std::vector<size_t>>& rows,
                       int64_t max_len, Tensor& x, Tensor& y, Tensor& pos) {
  const int64_t B = int64_t(rows.size());
  std::vector<std::vector<int32_t>> xs(rows.size()), ys(rows.size()), ps(rows.size());
  std::vector<int32_t> xe, ye;
  int64_t T = 1;
  for (size_t r = 0; r < rows.size(); ++r) {
    for (size_t i : rows[r]) {
      make_example(data[i], max_len, xe, ye);
      xs[r].insert(xs[r].end(), xe.begin(), xe.end());
      ys[r].insert(ys[r].end(), ye.begin(), ye.end());
      for (size_t t = 0; t < xe.size(); ++t) ps[r].push_back(int32_t(t));
    }
    if (int64_t(xs[r].size()) > max_len)
      throw Error("finetune: packed row " + std::to_string(r) + " holds " + std::to_string(xs[r].size()) +
                  " tokens, more than --max-len " + std::to_string(max_len));
    T = std::max<int64_t>(T, int64_t(xs[r].size()));
  }
  std::vector<int32_t> xv(size_t(B * T), 0), yv(size_t(B * T), -100), pv(size_t(B * T), 0);
  for (size_t r = 0; r < rows.size(); ++r) {
    const int64_t off = int64_t(r) * T, n = int64_t(xs[r].size());
    std::copy(xs[r].begin(), xs[r].end(), xv.begin() + off);
    std::copy(ys[r].begin(), ys[r].end(), yv.begin() + off);
    std::copy(ps[r].begin(), ps[r].end(), pv.begin() + off);
    for (int64_t t = n; t < T; ++t) pv[size_t(off + t)] = int32_t(t - n);  // padding: a run of its own
  }
  x = Tensor::from_ints(xv, {B, T});
  y = Tensor::from_ints(yv, {B, T});
  pos = Tensor::from_ints(pv, {B, T});
}

SftResult train_sft(Transformer& model, PeftMethod* method, const std::vector<EncodedChat>& data, const SftOptions& opt,
                    const std::function<void(int64_t, double)>& on_step) {
  if (data.empty()) throw Error("finetune: no training examples");
  if (opt.batch <= 0 || opt.steps <= 0 || opt.max_len <= 1) throw Error("finetune: --batch, --steps and --max-len must be positive");
  if (opt.pack && method && method->virtual_tokens() > 0)
    throw Error("finetune: --pack does not work with prompt tuning (its virtual tokens open each row, not each example)");
  optim::NamedTensors named = attach_trainable(model, method);
  SftResult res;
  res.total = model.num_parameters() + (method ? method->num_parameters() : 0);
  for (const auto& [n, t] : named) res.trainable += t.numel();

  std::unique_ptr<optim::AdamW> adam_ptr = make_adamw(named, opt.lr, opt.weight_decay);
  optim::AdamW& adam = *adam_ptr;

  // Data parallel (one rank without mpirun): each rank takes its rows of every batch; its
  // loss is its share of the batch's mean, Σ its target tokens' losses / the batch's target
  // count, so the ranks' gradients sum to one process's.
  const dist::Comm& comm = dist::world();
  const dist::RowSlice my = dist::rank_rows(opt.batch, comm.rank(), comm.size(), "--batch");
  std::vector<dist::NamedParam> dp_params;
  for (const auto& [n, t] : named) dp_params.push_back({n, t});
  dist::DataParallel dp(comm, dp_params);
  dp.broadcast_parameters();

  train::EpochSampler sampler(data.size(), opt.seed);
  std::vector<size_t> idx;
  std::vector<std::vector<size_t>> rows;
  int64_t carried = -1;  // packing: the example that did not fit the previous batch
  Tensor x, y, pos;
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < opt.steps; ++step) {
    if (opt.pack) {  // consecutive examples fill rows of max_len tokens
      rows.assign(1, {});
      int64_t used = 0;
      while (true) {
        const size_t e = carried >= 0 ? size_t(carried) : sampler.next();
        carried = -1;
        const int64_t n = std::min<int64_t>(int64_t(data[e].ids.size()) - 1, opt.max_len);
        if (used + n > opt.max_len && !rows.back().empty()) {
          if (int64_t(rows.size()) == opt.batch) {
            carried = int64_t(e);
            break;
          }
          rows.emplace_back();
          used = 0;
        }
        rows.back().push_back(e);
        used += n;
      }
      make_packed_batch(data, rows, opt.max_len, x, y, pos);
    } else {
      sampler.next_batch(opt.batch, idx);
      make_batch(data, idx, opt.max_len, x, y);
    }
    adam.zero_grad();
    ForwardOptions fo;
    if (opt.pack) fo.position_ids = pos;
    fo.training = true;
    fo.dropout_seed = opt.seed * 1000003ull + uint64_t(step);
    if (method) method->set_training(true, fo.dropout_seed);
    Tensor loss;
    double loss_value = 0;
    if (comm.size() == 1) {
      loss = model.loss(x, y, fo);
      loss_value = loss.item();
    } else {
      if (opt.pack) fo.position_ids = dist::take_rows(pos, my);
      Tensor ym = dist::take_rows(y, my);
      int64_t counts[2] = {0, 0};  // this rank's target tokens, the batch's
      for (int64_t i = 0; i < ym.numel(); ++i) counts[0] += ym.data<int32_t>()[i] != -100;
      counts[1] = counts[0];
      comm.allreduce_sum(&counts[1], 1);
      loss = scale(model.loss(dist::take_rows(x, my), ym, fo), counts[1] ? float(double(counts[0]) / double(counts[1])) : 0.f);
      loss_value = loss.item();
      comm.allreduce_sum(&loss_value, 1);
    }
    dp.arm();
    loss.backward();
    dp.finish(1.0f);
    if (opt.grad_clip > 0) optim::clip_grad_norm(adam, opt.grad_clip);
    adam.step();
    res.last_loss = loss_value;
    res.steps = step + 1;
    if (on_step) on_step(step + 1, res.last_loss);
  }
  if (method) method->set_training(false, 0);
  res.seconds_per_step = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / double(opt.steps);
  return res;
}

SftResult run_finetune(const FinetuneCommand& c) {
  check_chat_template(c.model_dir);
  std::string tok_spec = c.tokenizer_spec.empty() ? c.model_dir + "/tokenizer.json" : c.tokenizer_spec;
  if (!fs::exists(tok_spec) && c.tokenizer_spec.empty())
    throw Error(c.model_dir + " has no tokenizer.json; pass --tokenizer SPEC");
  tok::Tokenizer tk = tok::Tokenizer::load(tok_spec);
  Transformer model = load_model(c.model_dir);
  ChatTemplate tmpl(tk);
  std::vector<EncodedChat> data;
  for (const Conversation& conv : read_instruction_jsonl(c.data_path)) {
    data.push_back(tmpl.encode(conv));
    if (std::find(data.back().trained.begin(), data.back().trained.end(), 1) == data.back().trained.end())
      throw Error(c.data_path + ": example " + std::to_string(data.size()) + " has no assistant message to learn");
  }
  std::unique_ptr<PeftMethod> method;
  if (c.peft.method != "full") {
    PeftOptions po = c.peft;
    if (!c.init_text.empty()) po.init_ids = tk.encode(c.init_text);
    method = create_method(model, po);
  }
  // Under mpirun rank 0 alone writes OUT and prints.
  const bool root = dist::world().is_root();
  const bool quiet = c.sft.quiet || !root;
  std::unique_ptr<io::OutputDir> out;  // removed again if this fails before writing to it
  std::unique_ptr<train::MetricsLog> metrics;
  if (root) {
    out = std::make_unique<io::OutputDir>(c.out_dir);
    metrics = std::make_unique<train::MetricsLog>(c.out_dir + "/metrics.jsonl", -1);
  }
  const int64_t every = std::max<int64_t>(1, c.sft.steps / 20);
  if (!quiet && dist::world().size() > 1) std::fprintf(stderr, "data parallel: %s\n", dist::world().describe().c_str());
  if (!quiet)
    std::fprintf(stderr, "finetune %s: %zu examples\n", c.peft.method.c_str(), data.size());
  auto last = std::chrono::steady_clock::now();
  SftResult r = train_sft(model, method.get(), data, c.sft, [&](int64_t step, double loss) {
    const auto now = std::chrono::steady_clock::now();
    if (metrics)
      metrics->write({{"step", step}, {"loss", loss}, {"step_s", std::chrono::duration<double>(now - last).count()},
                      {"world_size", dist::world().size()}});
    last = now;
    if (!quiet && (step % every == 0 || step == c.sft.steps || step == 1))
      std::fprintf(stderr, "step %lld/%lld loss %.4f\n", (long long)step, (long long)c.sft.steps, loss);
  });
  if (!root) return r;
  if (!quiet)
    std::fprintf(stderr, "trainable parameters: %lld of %lld (%.3f%%), %.3f s/step\n", (long long)r.trainable,
                 (long long)r.total, 100.0 * double(r.trainable) / double(r.total), r.seconds_per_step);
  save_tuned(model, method.get(), tok_spec, c.out_dir);
  write_chat_template(c.out_dir);
  return r;
}

}  // namespace lmf::ft
