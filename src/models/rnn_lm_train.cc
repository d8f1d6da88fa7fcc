// Truncated-BPTT training and evaluation of the recurrent language model.
#include "models/rnn_lm_train.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <optional>

#include "core/autograd.h"
#include "core/ops/loss.h"
#include "core/optim/adamw.h"
#include "core/optim/clip.h"
#include "io/atomic_file.h"
#include "io/output_dir.h"

namespace lmf::models {
namespace {

RnnLm::State detached(const RnnLm::State& s) {
  return {s.h.defined() ? s.h.detach() : Tensor(), s.c.defined() ? s.c.detach() : Tensor()};
}

// The chunk's mean loss: logits (L, B, V) against targets (L, B).
Tensor chunk_loss(const RnnLm& model, const Tensor& ids, int64_t i, int64_t L, RnnLm::State& state) {
  Tensor logits = model.forward(stream_rows(ids, i, L), state);
  const int64_t V = logits.size(2);
  return cross_entropy(logits.reshape({-1, V}), stream_rows(ids, i + 1, L).reshape({-1}));
}

}  // namespace

Tensor batchify(const data::TokenShard& shard, int64_t B) {
  const int64_t S = int64_t(shard.size()) / B;
  if (S < 2)
    throw Error(shard.path() + ": " + std::to_string(shard.size()) + " tokens are too few for " + std::to_string(B) +
                " streams (each needs at least 2)");
  Tensor out = Tensor::empty({S, B}, DType::I32);
  int32_t* p = out.data<int32_t>();
  for (int64_t b = 0; b < B; ++b)
    for (int64_t s = 0; s < S; ++s) p[s * B + b] = int32_t(shard[size_t(b * S + s)]);
  return out;
}

Tensor stream_rows(const Tensor& ids, int64_t i, int64_t n) {
  const int64_t B = ids.size(1);
  Tensor out = Tensor::empty({n, B}, DType::I32);
  std::copy(ids.data<int32_t>() + i * B, ids.data<int32_t>() + (i + n) * B, out.data<int32_t>());
  return out;
}

float optimizer_step(optim::AdamW& adam, const Tensor& loss, double grad_clip) {
  adam.zero_grad();
  Tensor(loss).backward();
  if (grad_clip > 0) optim::clip_grad_norm(adam, grad_clip);
  adam.step();
  return loss.item();
}

void record_step(RnnLmTrainResult& r, float loss, int64_t tokens) {
  r.losses.push_back(loss);
  r.tokens += tokens;
  r.steps += 1;
}

void finish_result(RnnLmTrainResult& r) {
  r.tokens_per_s = r.seconds > 0 ? double(r.tokens) / r.seconds : 0;
  const size_t n = std::min<size_t>(20, r.losses.size());
  r.train_loss = 0;
  for (size_t k = r.losses.size() - n; k < r.losses.size(); ++k) r.train_loss += r.losses[k] / double(n);
}

nlohmann::json result_json(const RnnLmTrainResult& r, const std::string& arch) {
  nlohmann::json j = {{"arch", arch},       {"parameters", r.parameters}, {"steps", r.steps},
                      {"tokens", r.tokens}, {"seconds", r.seconds},       {"tokens_per_s", r.tokens_per_s},
                      {"train_loss", r.train_loss}};
  if (r.val_ppl > 0) {
    j["val_loss"] = r.val_loss;
    j["val_perplexity"] = r.val_ppl;
  }
  return j;
}

RnnLmTrainResult train_rnn_lm(RnnLm& model, const Tensor& ids, const RnnLmTrainOptions& opt,
                              const std::function<void(int64_t, float)>& on_step) {
  const int64_t S = ids.size(0), B = ids.size(1);
  optim::AdamWOptions ao;
  ao.lr = opt.lr;
  optim::AdamW adam(optim::decay_groups(model.parameters(), opt.weight_decay), ao);
  RnnLmTrainResult r;
  r.parameters = model.parameter_count();
  RnnLm::State state;
  int64_t i = 0;
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < opt.steps; ++step) {
    if (i >= S - 1) {  // a new epoch starts from zeros
      i = 0;
      state = {};
    }
    const int64_t L = std::min(opt.bptt, S - 1 - i);
    state = detached(state);
    const float lv = optimizer_step(adam, chunk_loss(model, ids, i, L, state), opt.grad_clip);
    record_step(r, lv, L * B);
    i += opt.bptt;
    if (on_step) on_step(step + 1, lv);
    r.seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    if (opt.time_limit_s > 0 && r.seconds >= opt.time_limit_s) break;
  }
  finish_result(r);
  return r;
}

double rnn_lm_eval_loss(const RnnLm& model, const Tensor& ids, int64_t bptt) {
  autograd::NoGradGuard ng;
  const int64_t S = ids.size(0), B = ids.size(1);
  RnnLm::State state;
  double total = 0;
  int64_t count = 0;
  for (int64_t i = 0; i < S - 1; i += bptt) {
    const int64_t L = std::min(bptt, S - 1 - i);
    total += double(chunk_loss(model, ids, i, L, state).item()) * double(L * B);
    count += L * B;
  }
  return total / double(count);
}

TokenData open_token_data(const std::string& dir, int64_t eval_batch, int64_t vocab_size) {
  namespace fs = std::filesystem;
  const std::string train_path = dir + "/train.bin", val_path = dir + "/val.bin";
  TokenData d{data::TokenShard::open(train_path), std::nullopt, vocab_size};
  if (fs::exists(val_path)) d.val = data::TokenShard::open(val_path);
  if (d.val && d.val->size() < size_t(2 * eval_batch)) d.val.reset();  // too short to evaluate

  int64_t max_id = -1;
  for (const data::TokenShard* s : {&d.train, d.val ? &*d.val : nullptr})
    if (s)
      for (size_t k = 0; k < s->size(); ++k) max_id = std::max<int64_t>(max_id, (*s)[k]);
  if (d.vocab_size == 0) {
    const std::string meta = dir + "/meta.json";
    if (fs::exists(meta)) {
      nlohmann::json j = nlohmann::json::parse(io::read_file(meta), nullptr, false);
      if (j.is_object() && j.contains("vocab_size") && j["vocab_size"].is_number_integer())
        d.vocab_size = j["vocab_size"].get<int64_t>();
    }
    if (d.vocab_size == 0) d.vocab_size = max_id + 1;
  }
  if (max_id >= d.vocab_size)
    throw Error(dir + ": token id " + std::to_string(max_id) + " is outside the vocabulary of " + std::to_string(d.vocab_size));
  return d;
}

RnnLmTrainResult run_rnn_lm_training(const RnnLmTrainOptions& opt_in) {
  RnnLmTrainOptions opt = opt_in;
  namespace fs = std::filesystem;
  TokenData shards = open_token_data(opt.data_dir, opt.eval_batch, opt.model.vocab_size);
  opt.model.vocab_size = shards.vocab_size;
  const data::TokenShard& train = shards.train;
  const std::optional<data::TokenShard>& val = shards.val;
  if (opt.model.embedding_size == 0) opt.model.embedding_size = opt.model.hidden_size;

  Tensor train_ids = batchify(train, opt.batch);
  Tensor val_ids = val ? batchify(*val, opt.eval_batch) : Tensor();
  io::OutputDir out(opt.out_dir);
  RnnLm model = RnnLm::init(opt.model, opt.seed);
  if (!opt.quiet)
    std::fprintf(stderr, "%s LM: %lld parameters, %lld streams of %lld tokens, bptt %lld\n",
                 opt.model.kind == RnnKind::LSTM ? "LSTM" : "GRU", (long long)model.parameter_count(),
                 (long long)opt.batch, (long long)train_ids.size(0), (long long)opt.bptt);
  auto report = [&](int64_t step, float loss) {
    const bool eval = opt.eval_every > 0 && step % opt.eval_every == 0 && val;
    if (opt.quiet) return;
    if (eval) {
      const double vl = rnn_lm_eval_loss(model, val_ids, opt.bptt);
      std::fprintf(stderr, "step %lld  loss %.4f  val loss %.4f  val ppl %.2f\n", (long long)step, loss, vl,
                   std::exp(vl));
    } else if (step % 10 == 0 || step == opt.steps) {
      std::fprintf(stderr, "step %lld  loss %.4f\n", (long long)step, loss);
    }
  };
  RnnLmTrainResult r = train_rnn_lm(model, train_ids, opt, report);
  if (val) {
    r.val_loss = rnn_lm_eval_loss(model, val_ids, opt.bptt);
    r.val_ppl = std::exp(r.val_loss);
  }
  model.save(opt.out_dir);
  if (fs::exists(opt.data_dir + "/tokenizer.json"))
    io::write_text_atomic(opt.out_dir + "/tokenizer.json", io::read_file(opt.data_dir + "/tokenizer.json"));
  nlohmann::json res = {{"arch", opt.model.kind == RnnKind::LSTM ? "lstm" : "gru"},
                        {"parameters", r.parameters},
                        {"steps", r.steps},
                        {"tokens", r.tokens},
                        {"seconds", r.seconds},
                        {"tokens_per_s", r.tokens_per_s},
                        {"train_loss", r.train_loss},
                        {"bptt", opt.bptt},
                        {"batch", opt.batch}};
  if (val) {
    res["val_loss"] = r.val_loss;
    res["val_ppl"] = r.val_ppl;
    res["val_tokens"] = (val_ids.size(0) - 1) * val_ids.size(1);
  }
  io::write_text_atomic(opt.out_dir + "/results.json", res.dump(2) + "\n");
  return r;
}

}  // namespace lmf::models
