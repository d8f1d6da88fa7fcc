#include "augment/embedding_train.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "core/autograd.h"
#include "core/error.h"
#include "core/ops.h"
#include "core/optim/adamw.h"
#include "core/optim/clip.h"
#include "finetune/inference_model.h"
#include "finetune/trainable.h"
#include "io/output_dir.h"
#include "io/progress.h"
#include "models/checkpoint.h"
#include "models/gguf_import.h"
#include "train/epoch_sampler.h"
#include "train/metrics_log.h"

namespace fs = std::filesystem;

namespace lmf::augment {
namespace {

// The contrastive loss of the pairs `idx`: one forward pass over their anchors, positives
// and negatives together.
Tensor batch_loss(Transformer& model, const std::vector<EncodedTextPair>& data, const std::vector<size_t>& idx,
                  const EmbedTrainOptions& opt) {
  std::vector<const std::vector<int32_t>*> texts;
  for (size_t i : idx) texts.push_back(&data[i].anchor);
  for (size_t i : idx) texts.push_back(&data[i].positive);
  for (size_t i : idx)
    if (!data[i].negative.empty()) texts.push_back(&data[i].negative);
  const int64_t B = int64_t(idx.size()), R = int64_t(texts.size());
  const Tensor e = pooled_hidden(model, texts, opt.pooling);  // (R, C)
  return contrastive_loss(e.slice(0, 0, B), e.slice(0, B, 2 * B), R > 2 * B ? e.slice(0, 2 * B, R) : Tensor(),
                          opt.temperature);
}

}  // namespace

std::vector<EncodedTextPair> encode_text_pairs(const std::vector<TextPair>& pairs, const tok::Tokenizer& tk,
                                               int64_t max_tokens) {
  std::vector<EncodedTextPair> out;
  out.reserve(pairs.size());
  for (const TextPair& p : pairs) {
    EncodedTextPair e;
    e.anchor = encode_for_embedding(tk, p.anchor, max_tokens, p.where + ": anchor");
    e.positive = encode_for_embedding(tk, p.positive, max_tokens, p.where + ": positive");
    if (!p.negative.empty()) e.negative = encode_for_embedding(tk, p.negative, max_tokens, p.where + ": negative");
    out.push_back(std::move(e));
  }
  return out;
}

double contrastive_eval(Transformer& model, const std::vector<EncodedTextPair>& data, size_t n, int64_t batch,
                        const EmbedTrainOptions& opt) {
  if (n == 0 || n > data.size() || batch <= 0) throw Error("contrastive_eval: no pairs");
  autograd::NoGradGuard no_grad;
  double total = 0;
  std::vector<size_t> idx;
  for (size_t start = 0; start < n; start += size_t(batch)) {
    idx.clear();
    for (size_t i = start; i < std::min(n, start + size_t(batch)); ++i) idx.push_back(i);
    total += double(batch_loss(model, data, idx, opt).item()) * double(idx.size());
  }
  return total / double(n);
}

EmbedTrainResult train_embeddings(Transformer& model, const std::vector<EncodedTextPair>& data,
                                  const EmbedTrainOptions& opt, const std::function<void(int64_t, double)>& on_step) {
  if (data.empty()) throw Error("embed train: no training pairs");
  if (opt.batch <= 0 || opt.steps <= 0) throw Error("embed train: --batch and --steps must be positive");
  const optim::NamedTensors named = ft::attach_trainable(model, nullptr);
  std::unique_ptr<optim::AdamW> adam = ft::make_adamw(named, opt.lr, opt.weight_decay);
  EmbedTrainResult res;
  res.parameters = model.num_parameters();
  res.batch = std::min<int64_t>(opt.batch, int64_t(data.size()));
  train::EpochSampler sampler(data.size(), opt.seed);
  std::vector<size_t> idx;
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < opt.steps; ++step) {
    sampler.next_batch(res.batch, idx);
    adam->zero_grad();
    Tensor loss = batch_loss(model, data, idx, opt);
    loss.backward();
    if (opt.grad_clip > 0) optim::clip_grad_norm(*adam, opt.grad_clip);
    adam->step();
    res.last_loss = loss.item();
    res.steps = step + 1;
    if (on_step) on_step(step + 1, res.last_loss);
  }
  model.set_requires_grad(false);
  res.seconds_per_step = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / double(opt.steps);
  return res;
}

EmbedRunResult run_embed_train(const EmbedTrainCommand& c) {
  const std::string tok_spec = model_tokenizer_spec(c.model_dir, c.tokenizer_spec);
  ft::InferenceModel m({c.model_dir, c.tokenizer_spec, ""});
  const int64_t max_tokens = m.model.config().n_positions;
  std::vector<EncodedTextPair> data;
  if (!c.pairs_path.empty()) {
    data = encode_text_pairs(read_text_pairs(c.pairs_path), m.tokenizer, max_tokens);
  } else {
    for (const TextPair& p : default_text_pairs(c.defaults)) {
      try {
        data.push_back(encode_text_pairs({p}, m.tokenizer, max_tokens).front());
      } catch (const Error&) {  // a default pair longer than this model's context: left out
      }
    }
    if (data.empty()) throw Error("embed train: no default pair fits the model's context of " + std::to_string(max_tokens));
  }

  io::OutputDir out(c.out_dir);  // removed again if this fails before writing to it
  EmbedRunResult r;
  r.pairs = data.size();
  const size_t n_eval = std::min<size_t>(data.size(), 256);
  const int64_t eval_batch = std::min<int64_t>(c.train.batch, int64_t(data.size()));
  r.loss_before = contrastive_eval(m.model, data, n_eval, eval_batch, c.train);
  {
    train::MetricsLog metrics(c.out_dir + "/metrics.jsonl", -1);
    int64_t tokens = 0;  // for the rate: the mean tokens of a pair × batch
    for (const EncodedTextPair& p : data) tokens += int64_t(p.anchor.size() + p.positive.size() + p.negative.size());
    std::unique_ptr<io::Progress> progress;
    if (!c.train.quiet) {
      std::fprintf(stderr, "embed train: %zu pairs%s, %s pooling, temperature %g\n", data.size(),
                   c.pairs_path.empty() ? " (WordNet, Brown)" : "", std::string(pooling_name(c.train.pooling)).c_str(),
                   double(c.train.temperature));
      progress = std::make_unique<io::Progress>(c.train.steps, tokens * eval_batch / int64_t(data.size()), 0,
                                                std::max<int64_t>(1, c.train.steps / 20));
    }
    r.train = train_embeddings(m.model, data, c.train, [&](int64_t step, double loss) {
      metrics.write({{"step", step}, {"loss", loss}});
      if (progress) progress->step(step, loss, c.train.lr);
    });
    if (progress) progress->finish();
  }
  r.loss_after = contrastive_eval(m.model, data, n_eval, eval_batch, c.train);
  const bool copy_tokenizer = fs::is_regular_file(tok_spec) && !is_gguf_path(tok_spec);
  ft::save_tuned(m.model, nullptr, copy_tokenizer ? tok_spec : "", c.out_dir);
  if (!copy_tokenizer) m.tokenizer.save_json(c.out_dir + "/tokenizer.json");
  if (!c.train.quiet)
    std::fprintf(stderr, "parameters: %lld, %.3f s/step, loss on %zu pairs %.4f -> %.4f\n",
                 (long long)r.train.parameters, r.train.seconds_per_step, n_eval, r.loss_before, r.loss_after);
  return r;
}

}  // namespace lmf::augment
