// Windowed training and evaluation of the ELMo-style biLM.
#include "models/bilm_train.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "core/autograd.h"
#include "core/optim/adamw.h"
#include "core/optim/clip.h"
#include "data/token_shard.h"
#include "io/atomic_file.h"
#include "io/output_dir.h"
#include "models/rnn_lm_train.h"

namespace lmf::models {

BiLmTrainResult train_bilm(BiLm& model, const Tensor& ids, const BiLmTrainOptions& opt,
                           const std::function<void(int64_t, float)>& on_step) {
  const int64_t S = ids.size(0), B = ids.size(1);
  optim::AdamWOptions ao;
  ao.lr = opt.lr;
  optim::AdamW adam(optim::decay_groups(model.parameters(), opt.weight_decay), ao);
  BiLmTrainResult r;
  r.parameters = model.parameter_count();
  int64_t i = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < opt.steps; ++step) {
    if (i >= S - 1) i = 0;
    const int64_t L = std::min(opt.bptt, S - 1 - i);
    const float lv = optimizer_step(adam, model.loss(stream_rows(ids, i, L + 1)), opt.grad_clip);
    record_step(r, lv, L * B);
    i += opt.bptt;
    if (on_step) on_step(step + 1, lv);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (opt.time_limit_s > 0 && r.seconds >= opt.time_limit_s) break;
  }
  finish_result(r);
  return r;
}

double bilm_eval_loss(const BiLm& model, const Tensor& ids, int64_t bptt) {
  autograd::NoGradGuard ng;
  const int64_t S = ids.size(0), B = ids.size(1);
  double total = 0;
  int64_t count = 0;
  for (int64_t i = 0; i < S - 1; i += bptt) {
    const int64_t L = std::min(bptt, S - 1 - i);
    total += double(model.loss(stream_rows(ids, i, L + 1)).item()) * double(L * B);
    count += L * B;
  }
  return total / double(count);
}

BiLmTrainResult run_bilm_training(const BiLmTrainOptions& opt_in) {
  BiLmTrainOptions opt = opt_in;
  namespace fs = std::filesystem;
  TokenData shards = open_token_data(opt.data_dir, opt.eval_batch, opt.model.vocab_size);
  opt.model.vocab_size = shards.vocab_size;
  const data::TokenShard& train = shards.train;
  const std::optional<data::TokenShard>& val = shards.val;

  Tensor train_ids = batchify(train, opt.batch);
  Tensor val_ids = val ? batchify(*val, opt.eval_batch) : Tensor();
  io::OutputDir out(opt.out_dir);
  BiLm model = BiLm::init(opt.model, opt.seed);
  if (!opt.quiet)
    std::fprintf(stderr, "biLM: %lld parameters, %lld streams of %lld tokens, windows of %lld\n",
                 (long long)model.parameter_count(), (long long)opt.batch, (long long)train_ids.size(0),
                 (long long)opt.bptt);
  auto report = [&](int64_t step, float loss) {
    if (!opt.quiet && (step % 10 == 0 || step == opt.steps))
      std::fprintf(stderr, "step %lld  loss %.4f\n", (long long)step, loss);
  };
  BiLmTrainResult r = train_bilm(model, train_ids, opt, report);
  if (val) {
    r.val_loss = bilm_eval_loss(model, val_ids, opt.bptt);
    r.val_ppl = std::exp(r.val_loss);
  }
  model.save(opt.out_dir);
  if (fs::exists(opt.data_dir + "/tokenizer.json"))
    io::write_text_atomic(opt.out_dir + "/tokenizer.json", io::read_file(opt.data_dir + "/tokenizer.json"));
  nlohmann::json res = {{"arch", "bilm"},         {"parameters", r.parameters},
                        {"steps", r.steps},       {"tokens", r.tokens},
                        {"seconds", r.seconds},   {"tokens_per_s", r.tokens_per_s},
                        {"train_loss", r.train_loss}, {"bptt", opt.bptt},
                        {"batch", opt.batch}};
  if (val) {
    res["val_loss"] = r.val_loss;
    res["val_ppl"] = r.val_ppl;
  }
  io::write_text_atomic(opt.out_dir + "/results.json", res.dump(2) + "\n");
  return r;
}

}  // namespace lmf::models
