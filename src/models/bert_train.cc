// BERT pretraining: the step, the validation loss, and the command's run (data, resume,
// metrics, saving).
#include "models/bert_train.h"

#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "core/autograd.h"
#include "core/optim/adamw.h"
#include "io/atomic_file.h"
#include "io/output_dir.h"
#include "io/progress.h"
#include "train/metrics_log.h"
#include "train/plot_svg.h"
#include "train/run_state.h"

namespace lmf::models {
namespace {

namespace fs = std::filesystem;

std::vector<int32_t> read_stream(const data::TokenShard& s) {
  std::vector<int32_t> out(s.size());
  if (!out.empty()) s.read(0, s.size(), reinterpret_cast<TokenId*>(out.data()));
  return out;
}

// Windows [w·seq, (w + 1)·seq) of `stream` for w in [first, first + n), wrapped [CLS] … [SEP].
Tensor consecutive_windows(std::span<const int32_t> stream, int64_t first, int64_t n, int64_t seq,
                           const BertSpecialIds& sp) {
  Tensor out = Tensor::empty({n, seq + 2}, DType::I32);
  int32_t* o = out.data<int32_t>();
  for (int64_t w = 0; w < n; ++w) {
    int32_t* row = o + w * (seq + 2);
    row[0] = sp.cls;
    std::copy(stream.begin() + (first + w) * seq, stream.begin() + (first + w + 1) * seq, row + 1);
    row[seq + 1] = sp.sep;
  }
  return out;
}

optim::AdamW make_adam(const Bert& m, const BertTrainOptions& opt) {
  optim::AdamWOptions ao;
  ao.lr = opt.lr;
  return optim::AdamW(optim::decay_groups(m.parameters(), opt.weight_decay), ao);
}

}  // namespace

double bert_lr(const BertTrainOptions& opt, int64_t step) {
  return opt.warmup > 0 ? opt.lr * std::min(1.0, double(step + 1) / double(opt.warmup)) : opt.lr;
}

float bert_train_step(const Bert& model, optim::AdamW& adam, std::span<const int32_t> stream,
                      const BertSpecialIds& specials, const BertTrainOptions& opt, int64_t step) {
  const Tensor windows = mlm_windows(stream, opt.batch, opt.seq, specials, opt.seed, step);
  const MlmBatch b = mask_tokens(windows, specials, model.config().vocab_size, opt.seed, step);
  adam.set_lr(bert_lr(opt, step));
  const uint64_t dropout_seed = model.config().hidden_dropout_prob > 0 ? opt.seed * 1000003ull + uint64_t(step) + 1 : 0;
  return optimizer_step(adam, model.mlm_loss({b.inputs, {}, {}}, b.labels, dropout_seed), opt.grad_clip);
}

double bert_eval_loss(const Bert& model, std::span<const int32_t> stream, const BertSpecialIds& specials,
                      int64_t seq, int64_t windows, uint64_t seed) {
  autograd::NoGradGuard ng;
  const int64_t n = std::min<int64_t>(windows, int64_t(stream.size()) / seq);
  if (n < 1)
    throw Error("validation: " + std::to_string(stream.size()) + " ids are fewer than a sequence of " +
                std::to_string(seq));
  double total = 0;
  int64_t count = 0;
  const int64_t chunk = 16;
  for (int64_t w = 0; w < n; w += chunk) {
    const int64_t k = std::min(chunk, n - w);
    const MlmBatch b =
        mask_tokens(consecutive_windows(stream, w, k, seq, specials), specials, model.config().vocab_size, seed, -1 - w);
    if (b.chosen == 0) continue;
    total += double(model.mlm_loss({b.inputs, {}, {}}, b.labels).item()) * double(b.chosen);
    count += b.chosen;
  }
  return count ? total / double(count) : 0.0;
}

nlohmann::json bert_result_json(const BertTrainResult& r) {
  nlohmann::json j = result_json(r, "bert");
  j["start_step"] = r.start_step;
  if (r.pppl_tokens > 0) {
    j["val_pseudo_perplexity"] = r.val_pseudo_perplexity;
    j["pppl_tokens"] = r.pppl_tokens;
    if (r.val_bits_per_byte > 0) j["val_bits_per_byte"] = r.val_bits_per_byte;
  }
  return j;
}

BertTrainResult run_bert_training(const BertTrainOptions& opt_in) {
  BertTrainOptions opt = opt_in;
  const std::string tok_path = opt.data_dir + "/tokenizer.json";
  if (!fs::exists(tok_path))
    throw Error(opt.data_dir + ": no tokenizer.json; BERT needs the tokenizer's [CLS], [SEP], [MASK] and [PAD] ids");
  const tok::Tokenizer tk = with_bert_special_tokens(tok::Tokenizer::load(tok_path));
  const BertSpecialIds specials = bert_special_ids(tk, tok_path);
  TokenData shards = open_token_data(opt.data_dir, 1, opt.model.vocab_size);
  const std::vector<int32_t> train = read_stream(shards.train);
  const std::vector<int32_t> val = shards.val ? read_stream(*shards.val) : std::vector<int32_t>();
  const bool have_val = int64_t(val.size()) >= opt.seq;

  io::OutputDir out(opt.out_dir);
  const std::string state_dir = train::training_state_dir(opt.out_dir);
  std::unique_ptr<Bert> model;
  int64_t start = 0;
  train::SavedRunState saved;
  if (opt.resume) {
    if (!train::has_run_state(state_dir))
      throw Error("--resume: " + opt.out_dir + " holds no training state (" + state_dir + "/" + train::kRunStateFile + ")");
    model = std::make_unique<Bert>(Bert::load(opt.out_dir));
    saved = train::load_run_state(state_dir);
    start = saved.state.step;
    opt.seed = saved.state.seed;
  } else {
    opt.model.vocab_size = std::max<int64_t>(shards.vocab_size, int64_t(tk.vocab_size()));
    opt.model.pad_token_id = specials.pad;
    opt.model.attention_probs_dropout_prob = 0.0;
    model = std::make_unique<Bert>(Bert::init(opt.model, opt.seed));
  }
  Bert& m = *model;
  if (opt.seq + 2 > m.config().max_position_embeddings)
    throw Error("--seq " + std::to_string(opt.seq) + " plus [CLS] and [SEP] exceeds max_position_embeddings " +
                std::to_string(m.config().max_position_embeddings));
  optim::AdamW adam = make_adam(m, opt);
  if (opt.resume) adam.load_state(saved.tensors);
  if (!fs::exists(opt.out_dir + "/tokenizer.json")) tk.save_json(opt.out_dir + "/tokenizer.json");

  const std::string metrics_path = opt.out_dir + "/metrics.jsonl";
  train::MetricsLog metrics(metrics_path, opt.resume ? start : -1);
  auto save = [&](int64_t step) {
    m.save(opt.out_dir);
    train::RunState st;
    st.step = step;
    st.seed = opt.seed;
    st.options = {{"arch", "bert"}, {"batch", opt.batch}, {"seq", opt.seq}, {"steps", opt.steps}, {"lr", opt.lr},
                  {"warmup", opt.warmup}, {"weight_decay", opt.weight_decay}, {"grad_clip", opt.grad_clip}};
    train::save_run_state(train::training_state_dir(opt.out_dir, true), st, adam.state());
  };

  BertTrainResult r;
  r.parameters = m.parameter_count();
  r.start_step = start;
  if (!opt.quiet)
    std::fprintf(stderr, "BERT: %lld parameters, %lld train ids, batch %lld x seq %lld%s\n",
                 (long long)r.parameters, (long long)train.size(), (long long)opt.batch, (long long)opt.seq,
                 opt.resume ? (", resuming at step " + std::to_string(start)).c_str() : "");
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> devnull(opt.quiet ? std::fopen("/dev/null", "w") : nullptr, &std::fclose);
  io::Progress progress(opt.steps, opt.batch * opt.seq, start, 10, opt.quiet ? devnull.get() : stderr);
  int64_t step = start;
  while (step < opt.steps) {
    const auto t0 = std::chrono::steady_clock::now();
    const double lr = bert_lr(opt, step);
    const float loss = bert_train_step(m, adam, train, specials, opt, step);
    ++step;
    const double dt = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    r.seconds += dt;
    record_step(r, loss, opt.batch * opt.seq);
    metrics.write({{"step", step}, {"loss", loss}, {"lr", lr}, {"tokens_per_s", double(opt.batch * opt.seq) / dt}});
    progress.step(step, loss, lr);
    const bool out_of_time = opt.time_limit_s > 0 && r.seconds >= opt.time_limit_s;
    const bool last = step == opt.steps || out_of_time;
    if (have_val && opt.eval_every > 0 && step % opt.eval_every == 0 && !last) {
      const double vl = bert_eval_loss(m, val, specials, opt.seq, opt.eval_windows, opt.seed);
      metrics.write({{"step", step}, {"val_loss", vl}});
      progress.message("step " + std::to_string(step) + ": val_loss " + std::to_string(vl));
    }
    if (last || (opt.save_every > 0 && step % opt.save_every == 0)) save(step);
    if (out_of_time) {
      progress.message("time limit of " + std::to_string(opt.time_limit_s) + " s reached at step " + std::to_string(step));
      break;
    }
  }
  progress.finish();
  if (step == start) save(step);  // nothing to do: still a complete directory
  finish_result(r);
  if (have_val) {
    r.val_loss = bert_eval_loss(m, val, specials, opt.seq, opt.eval_windows, opt.seed);
    r.val_ppl = std::exp(r.val_loss);
    metrics.write({{"step", step}, {"val_loss", r.val_loss}});
    if (opt.pppl_tokens > 0) {
      const PseudoLogLikelihood p = pseudo_log_likelihood(m, val, opt.seq, opt.pppl_tokens, specials, &tk);
      r.val_pseudo_perplexity = p.pseudo_perplexity();
      r.val_bits_per_byte = p.bits_per_byte();
      r.pppl_tokens = p.tokens;
    }
  }
  train::write_loss_svg(metrics_path, opt.out_dir + "/loss.svg", "BERT masked-LM loss (" + opt.out_dir + ")");
  io::write_text_atomic(opt.out_dir + "/results.json", bert_result_json(r).dump(2) + "\n");
  return r;
}

}  // namespace lmf::models
