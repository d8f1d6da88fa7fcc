#include "align/reward_train.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <filesystem>
#include <memory>

#include "align/judge.h"
#include "core/autograd.h"
#include "core/error.h"
#include "core/ops/preference_loss.h"
#include "core/optim/adamw.h"
#include "core/optim/clip.h"
#include "finetune/trainable.h"
#include "io/atomic_file.h"
#include "io/progress.h"
#include "train/epoch_sampler.h"
#include "train/metrics_log.h"
#include "train/plot_svg.h"

namespace fs = std::filesystem;

namespace lmf::align {
namespace {

// Scores of the pairs `idx`: chosen (B) and rejected (B), from one forward pass over 2B rows.
void score_pairs(RewardModel& model, const std::vector<RewardPair>& data, const std::vector<size_t>& idx,
                 const ForwardOptions& fo, Tensor& chosen, Tensor& rejected) {
  const int64_t B = int64_t(idx.size());
  std::vector<std::vector<int32_t>> seqs;
  for (size_t i : idx) seqs.push_back(data[i].chosen);
  for (size_t i : idx) seqs.push_back(data[i].rejected);
  Tensor s = model.scores(seqs, fo);  // (2B)
  chosen = s.slice(0, 0, B);
  rejected = s.slice(0, B, 2 * B);
}

double pair_accuracy(const Tensor& chosen, const Tensor& rejected) {
  const std::vector<float> c = chosen.to_vector(), r = rejected.to_vector();
  double acc = 0;
  for (size_t i = 0; i < c.size(); ++i) acc += c[i] > r[i] ? 1.0 : c[i] == r[i] ? 0.5 : 0.0;
  return acc / double(c.size());
}

// The training and evaluation curves of metrics.jsonl.
void write_reward_svg(const std::string& metrics_path, const std::string& svg_path) {
  train::Series loss{"train loss", "#1f77b4", {}, {}}, acc{"train accuracy", "#ff7f0e", {}, {}};
  train::Series eacc{"held-out accuracy", "#2ca02c", {}, {}, true}, eloss{"held-out loss", "#d62728", {}, {}, true};
  for (const nlohmann::json& row : train::MetricsLog::read(metrics_path)) {
    const double step = row.value("step", 0.0);
    auto add = [&](train::Series& s, const char* key) {
      if (row.contains(key) && row[key].is_number()) {
        s.x.push_back(step);
        s.y.push_back(row[key].get<double>());
      }
    };
    add(loss, "loss");
    add(acc, "accuracy");
    add(eacc, "eval_accuracy");
    add(eloss, "eval_loss");
  }
  std::vector<train::Series> series{loss, acc};
  if (!eacc.x.empty()) series.push_back(eacc);
  if (!eloss.x.empty()) series.push_back(eloss);
  io::write_text_atomic(svg_path, train::line_chart_svg(series, {"reward model", "step", "Bradley–Terry loss / pairwise accuracy"}));
}

}  // namespace

std::vector<RewardPair> encode_reward_pairs(const std::vector<PreferencePair>& pairs, const tok::Tokenizer& tk,
                                            int64_t max_len, const std::string& source) {
  PreferenceEncoder enc(tk);
  std::vector<RewardPair> out;
  for (size_t i = 0; i < pairs.size(); ++i) {
    const PreferencePair& p = pairs[i];
    const EncodedPair e = enc.encode(p);
    RewardPair r;
    r.chosen = e.prompt;
    r.chosen.insert(r.chosen.end(), e.chosen.begin(), e.chosen.end());
    r.rejected = e.prompt;
    r.rejected.insert(r.rejected.end(), e.rejected.begin(), e.rejected.end());
    for (const auto* s : {&r.chosen, &r.rejected}) {
      const char* which = s == &r.chosen ? "chosen" : "rejected";
      if (s->empty()) throw FormatError(source + ": pair " + std::to_string(i + 1) + ": the " + which + " sequence is empty");
      if (int64_t(s->size()) > max_len)
        throw FormatError(source + ": pair " + std::to_string(i + 1) + ": the " + which + " sequence has " +
                          std::to_string(s->size()) + " tokens, more than the model's " + std::to_string(max_len) +
                          " positions");
    }
    TaskKind k;
    r.group = task_kind(p, &k) ? task_kind_name(k) : "all";
    out.push_back(std::move(r));
  }
  return out;
}

RewardTrainResult train_reward(RewardModel& model, const std::vector<RewardPair>& data, const RewardTrainOptions& opt,
                               const std::function<void(int64_t, double, double)>& on_step) {
  if (data.empty()) throw Error("reward train: no training pairs");
  if (opt.batch <= 0 || opt.steps <= 0) throw Error("reward train: --batch and --steps must be positive");
  model.set_requires_grad(true);
  const optim::NamedTensors named = model.named_parameters();
  RewardTrainResult res;
  res.parameters = model.num_parameters();
  std::unique_ptr<optim::AdamW> adamw = ft::make_adamw(named, opt.lr, opt.weight_decay);
  optim::AdamW& adam = *adamw;

  train::EpochSampler sampler(data.size(), opt.seed);
  std::vector<size_t> idx;
  Tensor chosen, rejected;
  const auto t0 = std::chrono::steady_clock::now();
  for (int64_t step = 0; step < opt.steps; ++step) {
    sampler.next_batch(opt.batch, idx);
    adam.zero_grad();
    ForwardOptions fo;
    fo.training = true;
    fo.dropout_seed = opt.seed * 1000003ull + uint64_t(step);
    score_pairs(model, data, idx, fo, chosen, rejected);
    Tensor loss = bradley_terry(chosen, rejected);
    loss.backward();
    if (opt.grad_clip > 0) optim::clip_grad_norm(adam, opt.grad_clip);
    adam.step();
    res.last_loss = loss.item();
    res.last_accuracy = pair_accuracy(chosen, rejected);
    res.steps = step + 1;
    if (on_step) on_step(step + 1, res.last_loss, res.last_accuracy);
  }
  res.seconds_per_step =
      std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count() / double(opt.steps);
  return res;
}

RewardEval evaluate_reward(RewardModel& model, const std::vector<RewardPair>& data, int64_t batch) {
  if (data.empty()) throw Error("reward eval: no pairs");
  autograd::NoGradGuard ng;
  RewardEval e;
  Tensor chosen, rejected;
  std::vector<size_t> idx;
  for (size_t start = 0; start < data.size(); start += size_t(std::max<int64_t>(batch, 1))) {
    idx.clear();
    for (size_t i = start; i < std::min(data.size(), start + size_t(std::max<int64_t>(batch, 1))); ++i) idx.push_back(i);
    score_pairs(model, data, idx, {}, chosen, rejected);
    const std::vector<float> c = chosen.to_vector(), r = rejected.to_vector();
    for (size_t k = 0; k < idx.size(); ++k) {
      const double m = double(c[k]) - double(r[k]);
      const double loss = std::max(-m, 0.0) + std::log1p(std::exp(-std::abs(m)));
      const double acc = m > 0 ? 1.0 : m == 0 ? 0.5 : 0.0;
      for (GroupEval* g : {&e.all, &e.groups[data[idx[k]].group]}) {
        ++g->pairs;
        g->accuracy += acc;
        g->loss += loss;
        g->margin += m;
      }
    }
  }
  auto finish = [](GroupEval& g) {
    g.accuracy /= double(g.pairs);
    g.loss /= double(g.pairs);
    g.margin /= double(g.pairs);
  };
  finish(e.all);
  for (auto& [name, g] : e.groups) finish(g);
  return e;
}

std::string format_reward_eval(const RewardEval& e) {
  std::string out = "held-out pairs   pairs  accuracy    loss  margin\n";
  auto row = [&](const std::string& name, const GroupEval& g) {
    char buf[128];
    std::snprintf(buf, sizeof buf, "%-14s %7lld  %8.3f  %6.3f  %6.3f\n", name.c_str(), (long long)g.pairs, g.accuracy,
                  g.loss, g.margin);
    out += buf;
  };
  if (e.groups.size() > 1 || (e.groups.size() == 1 && e.groups.begin()->first != "all"))
    for (const auto& [name, g] : e.groups) row("  " + name, g);
  row("all", e.all);
  return out;
}

nlohmann::json reward_eval_json(const RewardEval& e) {
  auto j = [](const GroupEval& g) {
    return nlohmann::json{{"pairs", g.pairs}, {"accuracy", g.accuracy}, {"loss", g.loss}, {"margin", g.margin}};
  };
  nlohmann::json out = j(e.all);
  nlohmann::json groups = nlohmann::json::object();
  for (const auto& [name, g] : e.groups) groups[name] = j(g);
  out["groups"] = groups;
  return out;
}

RewardRunResult run_reward_train(const RewardTrainCommand& c) {
  std::string data_path = c.data_path, eval_path = c.eval_path;
  if (fs::is_directory(data_path)) {
    if (eval_path.empty() && fs::exists(data_path + "/test.jsonl")) eval_path = data_path + "/test.jsonl";
    data_path += "/train.jsonl";
  }
  const std::string tok_spec = c.tokenizer_spec.empty() ? c.model_dir + "/tokenizer.json" : c.tokenizer_spec;
  if (c.tokenizer_spec.empty() && !fs::exists(tok_spec))
    throw Error(c.model_dir + " has no tokenizer.json; pass --tokenizer SPEC");
  const tok::Tokenizer tk = tok::Tokenizer::load(tok_spec);
  RewardModel model = RewardModel::open(c.model_dir, c.train.seed);
  const int64_t max_len = model.config().n_positions;
  const std::vector<RewardPair> data = encode_reward_pairs(read_preferences_jsonl(data_path), tk, max_len, data_path);
  std::vector<RewardPair> held_out;
  if (!eval_path.empty()) held_out = encode_reward_pairs(read_preferences_jsonl(eval_path), tk, max_len, eval_path);

  fs::create_directories(c.out_dir);
  const std::string metrics_path = c.out_dir + "/metrics.jsonl";
  RewardRunResult res;
  {
    train::MetricsLog metrics(metrics_path, -1);
    int64_t tokens_per_step = 0;  // an estimate for the rate: the mean pair length × batch
    for (const RewardPair& p : data) tokens_per_step += int64_t(p.chosen.size() + p.rejected.size());
    tokens_per_step = tokens_per_step * c.train.batch / int64_t(data.size());
    std::unique_ptr<io::Progress> progress;
    if (!c.train.quiet) {
      std::fprintf(stderr, "reward train: %zu pairs%s, %s from %s\n", data.size(),
                   held_out.empty() ? "" : (", " + std::to_string(held_out.size()) + " held out").c_str(),
                   RewardModel::is_classifier_dir(c.model_dir) ? "continuing a reward model" : "a new score head",
                   c.model_dir.c_str());
      progress = std::make_unique<io::Progress>(c.train.steps, tokens_per_step, 0,
                                                std::max<int64_t>(1, c.train.steps / 20));
    }
    res.train = train_reward(model, data, c.train, [&](int64_t step, double loss, double acc) {
      metrics.write({{"step", step}, {"loss", loss}, {"accuracy", acc}});
      if (progress) progress->step(step, loss, c.train.lr);
      if (!held_out.empty() && c.train.eval_every > 0 && step % c.train.eval_every == 0 && step != c.train.steps) {
        const RewardEval e = evaluate_reward(model, held_out);
        metrics.write({{"step", step}, {"eval_loss", e.all.loss}, {"eval_accuracy", e.all.accuracy}});
        if (progress) {
          char buf[96];
          std::snprintf(buf, sizeof buf, "step %lld: held-out accuracy %.3f, loss %.4f", (long long)step,
                        e.all.accuracy, e.all.loss);
          progress->message(buf);
        }
      }
    });
    if (progress) progress->finish();
    if (!held_out.empty()) {
      res.evaluated = true;
      res.eval = evaluate_reward(model, held_out);
      metrics.write({{"step", res.train.steps}, {"eval_loss", res.eval.all.loss}, {"eval_accuracy", res.eval.all.accuracy}});
    }
  }
  write_reward_svg(metrics_path, c.out_dir + "/reward.svg");
  model.save(c.out_dir);
  if (fs::is_regular_file(tok_spec) && fs::absolute(tok_spec) != fs::absolute(c.out_dir + "/tokenizer.json"))
    fs::copy_file(tok_spec, c.out_dir + "/tokenizer.json", fs::copy_options::overwrite_existing);
  if (!c.train.quiet) {
    std::fprintf(stderr, "parameters: %lld, %.3f s/step, last loss %.4f\n", (long long)res.train.parameters,
                 res.train.seconds_per_step, res.train.last_loss);
    if (res.evaluated) std::fputs(format_reward_eval(res.eval).c_str(), stderr);
  }
  return res;
}

}  // namespace lmf::align
