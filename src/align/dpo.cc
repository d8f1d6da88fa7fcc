#include "align/dpo.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "align/sequence_logprob.h"
#include "core/autograd.h"
#include "core/error.h"
#include "core/ops/preference_loss.h"
#include "core/optim/clip.h"
#include "dist/data_parallel.h"
#include "infer/chat_template.h"
#include "finetune/trainable.h"
#include "io/atomic_file.h"
#include "io/jsonl.h"
#include "io/progress.h"
#include "models/checkpoint.h"
#include "train/epoch_sampler.h"
#include "train/metrics_log.h"
#include "train/plot_svg.h"

namespace fs = std::filesystem;

namespace lmf::align {

nlohmann::json DpoMetrics::to_json() const {
  return {{"step", step},
          {"loss", loss},
          {"rewards/chosen", rewards_chosen},
          {"rewards/rejected", rewards_rejected},
          {"rewards/margins", margins},
          {"rewards/accuracies", accuracies},
          {"logps/chosen", logps_chosen},
          {"logps/rejected", logps_rejected}};
}

namespace {

// The chosen sequences of pairs `idx`, then their rejected ones: one batch of 2·|idx| rows.
ScoredBatch chosen_then_rejected(const std::vector<EncodedPair>& pairs, const std::vector<size_t>& idx, int64_t max_len) {
  std::vector<Ids> prompts, responses;
  for (int side = 0; side < 2; ++side)
    for (size_t i : idx) {
      prompts.push_back(pairs[i].prompt);
      responses.push_back(side == 0 ? pairs[i].chosen : pairs[i].rejected);
    }
  return make_scored_batch(prompts, responses, max_len);
}

Tensor gather(const std::vector<float>& v, const std::vector<size_t>& idx) {
  std::vector<float> out;
  for (size_t i : idx) out.push_back(v[i]);
  return Tensor::from_vector(out, {int64_t(idx.size())});
}

double mean_of(const Tensor& t) {
  const std::vector<float> v = t.contiguous().to_vector();
  double s = 0;
  for (float x : v) s += x;
  return v.empty() ? 0 : s / double(v.size());
}

void check_lengths(const std::vector<EncodedPair>& pairs, int64_t max_len,
                   const std::function<std::string(size_t)>& where) {
  for (size_t i = 0; i < pairs.size(); ++i) {
    const EncodedPair& p = pairs[i];
    if (p.prompt.empty()) throw Error(where(i) + ": the prompt encodes to no tokens");
    const int64_t P = int64_t(p.prompt.size()), n = P + int64_t(std::max(p.chosen.size(), p.rejected.size())) - 1;
    if (n > max_len)
      throw Error(where(i) + ": prompt + response take " + std::to_string(n) + " positions, more than " +
                  std::to_string(max_len) + " (--max-len, at most the model's n_positions)");
  }
}

}  // namespace

void pair_logprobs(Transformer& model, const std::vector<EncodedPair>& pairs, int64_t batch, int64_t max_len,
                   std::vector<float>& chosen, std::vector<float>& rejected) {
  autograd::NoGradGuard ng;
  chosen.assign(pairs.size(), 0.0f);
  rejected.assign(pairs.size(), 0.0f);
  for (size_t start = 0; start < pairs.size(); start += size_t(batch)) {
    std::vector<size_t> idx;
    for (size_t i = start; i < std::min(pairs.size(), start + size_t(batch)); ++i) idx.push_back(i);
    const std::vector<float> lp = response_logprobs(model, chosen_then_rejected(pairs, idx, max_len)).to_vector();
    for (size_t k = 0; k < idx.size(); ++k) {
      chosen[idx[k]] = lp[k];
      rejected[idx[k]] = lp[idx.size() + k];
    }
  }
}

DpoResult train_dpo(Transformer& policy, ft::PeftMethod* method, Transformer* ref, const std::vector<EncodedPair>& pairs,
                    const DpoOptions& opt, const std::function<void(const DpoMetrics&)>& on_step) {
  if (pairs.empty()) throw Error("dpo: no preference pairs");
  if (opt.batch <= 0 || opt.steps <= 0) throw Error("dpo: --batch and --steps must be positive");
  if (!(opt.beta > 0)) throw Error("dpo: --beta must be positive, got " + std::to_string(opt.beta));
  if (opt.order != "sequential" && opt.order != "shuffled")
    throw Error("dpo: --order must be sequential or shuffled, got '" + opt.order + "'");
  const int64_t max_len = opt.max_len > 0 ? opt.max_len : policy.config().n_positions;
  if (max_len > policy.config().n_positions || (ref && max_len > ref->config().n_positions))
    throw Error("dpo: --max-len " + std::to_string(max_len) + " exceeds the model's n_positions");
  if (ref && ref->config().vocab_size != policy.config().vocab_size)
    throw Error("dpo: the reference model's vocabulary (" + std::to_string(ref->config().vocab_size) +
                ") differs from the policy's (" + std::to_string(policy.config().vocab_size) + ")");
  check_lengths(pairs, max_len, [](size_t i) { return "dpo: pair " + std::to_string(i); });

  // Reference log-probabilities, once: the other model, the base without the method's
  // hooks, or the policy before training.
  auto t_ref = std::chrono::steady_clock::now();
  std::vector<float> ref_c, ref_r;
  if (method) policy.set_hooks(nullptr);
  pair_logprobs(ref ? *ref : policy, pairs, opt.batch, max_len, ref_c, ref_r);
  DpoResult res;
  res.reference_seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t_ref).count();

  optim::NamedTensors trained = ft::attach_trainable(policy, method);
  if (method) method->set_training(false, 0);
  res.total = policy.num_parameters() + (method ? method->num_parameters() : 0);
  for (const auto& [n, t] : trained) res.trainable += t.numel();
  std::unique_ptr<optim::AdamW> adam = ft::make_adamw(trained, opt.lr, opt.weight_decay);

  train::EpochSampler sampler(pairs.size(), opt.seed, train::parse_order(opt.order));

  // Data parallel (one rank without mpirun): rank r scores pairs [r·B/N, (r+1)·B/N) of each
  // batch; the per-rank mean losses' gradients and the metrics are averaged over ranks.
  const dist::Comm& comm = dist::world();
  const dist::RowSlice my = dist::rank_rows(opt.batch, comm.rank(), comm.size(), "--batch");
  std::vector<dist::NamedParam> dp_params;
  for (const auto& [n, t] : trained) dp_params.push_back({n, t});
  dist::DataParallel dp(comm, dp_params);
  dp.broadcast_parameters();

  int64_t tokens = 0;
  for (const EncodedPair& p : pairs) tokens += 2 * int64_t(p.prompt.size()) + int64_t(p.chosen.size() + p.rejected.size());
  std::unique_ptr<io::Progress> progress;
  if (!opt.quiet && comm.is_root())
    progress = std::make_unique<io::Progress>(opt.steps, std::max<int64_t>(1, tokens * opt.batch / int64_t(pairs.size())),
                                              0, std::max<int64_t>(1, opt.steps / 20));
  const float beta = float(opt.beta);
  std::vector<size_t> idx;
  auto t0 = std::chrono::steady_clock::now();
  for (int64_t step = 1; step <= opt.steps; ++step) {
    sampler.next_batch(opt.batch, idx);
    if (comm.size() > 1) idx = std::vector<size_t>(idx.begin() + my.begin, idx.begin() + my.end);
    const int64_t B = int64_t(idx.size());
    ScoredBatch sb = chosen_then_rejected(pairs, idx, max_len);
    adam->zero_grad();
    Tensor lp = response_logprobs(policy, sb);  // (2B): chosen, then rejected
    Tensor pc = lp.slice(0, 0, B), pr = lp.slice(0, B, 2 * B);
    Tensor rc = gather(ref_c, idx), rr = gather(ref_r, idx);
    Tensor loss = dpo_loss(pc, pr, rc, rr, beta);

    DpoMetrics m;
    m.step = step;
    m.loss = loss.item();
    Tensor rw_c = dpo_rewards(pc.detach(), rc, beta), rw_r = dpo_rewards(pr.detach(), rr, beta);
    const std::vector<float> wc = rw_c.to_vector(), wr = rw_r.to_vector();
    for (int64_t i = 0; i < B; ++i) {
      m.margins += double(wc[size_t(i)]) - wr[size_t(i)];
      m.accuracies += wc[size_t(i)] > wr[size_t(i)] ? 1.0 : 0.0;
    }
    m.margins /= double(B);
    m.accuracies /= double(B);
    m.rewards_chosen = mean_of(rw_c);
    m.rewards_rejected = mean_of(rw_r);
    m.logps_chosen = mean_of(pc.detach());
    m.logps_rejected = mean_of(pr.detach());
    if (comm.size() > 1) {
      double v[7] = {m.loss, m.rewards_chosen, m.rewards_rejected, m.margins, m.accuracies, m.logps_chosen, m.logps_rejected};
      comm.allreduce_sum(v, 7);
      for (double& x : v) x /= double(comm.size());
      m.loss = v[0], m.rewards_chosen = v[1], m.rewards_rejected = v[2], m.margins = v[3], m.accuracies = v[4],
      m.logps_chosen = v[5], m.logps_rejected = v[6];
    }

    dp.arm();
    loss.backward();
    dp.finish(1.0f / float(comm.size()));
    if (opt.grad_clip > 0) optim::clip_grad_norm(*adam, opt.grad_clip);
    adam->step();
    if (step == 1) res.first = m;
    res.last = m;
    res.steps = step;
    if (on_step) on_step(m);
    if (progress) progress->step(step, m.loss, opt.lr);
  }
  if (progress) progress->finish();
  res.seconds_per_step = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / double(opt.steps);
  return res;
}

nlohmann::json run_dpo(const DpoCommand& c) {
  if (c.data_path.empty()) throw Error("--method dpo needs --data PREFS (JSONL preference pairs)");
  if (!(c.dpo.beta > 0)) throw Error("--beta must be positive");
  if (c.dpo.max_len < 0) throw Error("--max-len must be positive");
  DpoOptions opt = c.dpo;
  if (opt.lr <= 0) opt.lr = c.peft.method == "full" ? kDpoFullLr : kDpoLoraLr;
  tok::Tokenizer tk = tok::Tokenizer::load(c.tokenizer_spec);
  Transformer model = load_model(c.model_dir);
  std::unique_ptr<Transformer> ref;
  if (!c.ref_model_dir.empty()) ref = std::make_unique<Transformer>(load_model(c.ref_model_dir));
  const int64_t max_len = opt.max_len > 0 ? opt.max_len : model.config().n_positions;

  // Pairs with the line each came from, so a bad one is named FILE:LINE.
  PreferenceEncoder enc(tk);
  std::vector<EncodedPair> pairs;
  std::vector<int64_t> line_of;
  bool chat = false;
  io::for_each_jsonl_line(c.data_path, [&](const std::string& line, int64_t n, const std::string& where) {
    const PreferencePair p = parse_preference(line, where);
    chat = chat || p.chat;
    pairs.push_back(enc.encode(p));
    line_of.push_back(n);
  });
  check_lengths(pairs, max_len, [&](size_t i) { return c.data_path + ":" + std::to_string(line_of[i]); });

  std::unique_ptr<ft::PeftMethod> method;
  if (c.peft.method != "full") method = ft::create_method(model, c.peft);

  // Under mpirun rank 0 alone writes OUT and prints.
  const dist::Comm& comm = dist::world();
  if (!comm.is_root()) opt.quiet = true;
  std::unique_ptr<train::MetricsLog> metrics;
  if (comm.is_root()) {
    fs::create_directories(c.out_dir);
    metrics = std::make_unique<train::MetricsLog>(c.out_dir + "/metrics.jsonl", -1);
  }
  std::vector<nlohmann::json> rows;
  if (!opt.quiet && comm.size() > 1) std::fprintf(stderr, "data parallel: %s\n", comm.describe().c_str());
  if (!opt.quiet)
    std::fprintf(stderr, "dpo %s: %zu pairs, beta %g, reference %s\n", c.peft.method.c_str(), pairs.size(), opt.beta,
                 ref ? c.ref_model_dir.c_str() : method ? "the base without the adapter" : "the starting model");
  DpoResult r = train_dpo(model, method.get(), ref.get(), pairs, opt, [&](const DpoMetrics& m) {
    nlohmann::json row = m.to_json();
    row["world_size"] = comm.size();
    if (metrics) metrics->write(row);
    rows.push_back(row);
  });
  const nlohmann::json summary_first = r.first.to_json(), summary_last = r.last.to_json();
  if (!comm.is_root())
    return {{"method", "dpo"}, {"out", c.out_dir}, {"steps", r.steps}, {"first", summary_first}, {"last", summary_last}};

  train::Series loss{"loss", "#1f77b4", {}, {}}, margins{"rewards/margins", "#d62728", {}, {}};
  for (const nlohmann::json& row : rows) {
    loss.x.push_back(row["step"].get<double>());
    loss.y.push_back(row["loss"].get<double>());
    margins.x.push_back(row["step"].get<double>());
    margins.y.push_back(row["rewards/margins"].get<double>());
  }
  io::write_text_atomic(c.out_dir + "/loss.svg",
                        train::line_chart_svg({loss, margins}, {"DPO (beta " + nlohmann::json(opt.beta).dump() + ")",
                                                                "step", "loss / reward margin"}));
  ft::save_tuned(model, method.get(), c.tokenizer_spec, c.out_dir);
  if (chat || has_chat_template(c.model_dir)) write_chat_template(c.out_dir);

  if (!opt.quiet)
    std::fprintf(stderr, "trainable parameters: %lld of %lld, reference log-probs %.2f s, %.3f s/step\n",
                 (long long)r.trainable, (long long)r.total, r.reference_seconds, r.seconds_per_step);
  return {{"method", "dpo"},
          {"out", c.out_dir},
          {"pairs", pairs.size()},
          {"steps", r.steps},
          {"trainable", r.trainable},
          {"total", r.total},
          {"seconds_per_step", r.seconds_per_step},
          {"reference_seconds", r.reference_seconds},
          {"first", r.first.to_json()},
          {"last", r.last.to_json()}};
}

}  // namespace lmf::align
