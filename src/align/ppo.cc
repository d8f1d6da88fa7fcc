#include "align/ppo.h"

#include <algorithm>
#include <chrono>
#include <cmath>
#include <filesystem>

#include "align/kl_controller.h"
#include "core/autograd.h"
#include "core/error.h"
#include "core/optim/adamw.h"
#include "core/optim/clip.h"
#include "finetune/trainable.h"
#include "io/progress.h"
#include "models/checkpoint.h"
#include "train/epoch_sampler.h"
#include "train/metrics_log.h"
#include "train/plot_svg.h"
#include "io/atomic_file.h"

namespace fs = std::filesystem;

namespace lmf::align {
namespace {

using Clock = std::chrono::steady_clock;
double seconds_since(Clock::time_point t0) { return std::chrono::duration<double>(Clock::now() - t0).count(); }

// Rows `idx` of x (N, T), columns [0, T_sub).
Tensor take_rows(const Tensor& x_in, const std::vector<size_t>& idx, int64_t T_sub) {
  Tensor x = x_in.contiguous();
  const int64_t T = x.size(1);
  Tensor out = Tensor::empty({int64_t(idx.size()), T_sub});
  const float* src = x.f32();
  float* dst = out.f32();
  for (size_t r = 0; r < idx.size(); ++r) std::copy(src + int64_t(idx[r]) * T, src + int64_t(idx[r]) * T + T_sub, dst + int64_t(r) * T_sub);
  return out;
}

void write_plot(const std::string& dir, const std::vector<nlohmann::json>& rows) {
  train::Series score{"mean score", "#1f77b4", {}, {}, rows.size() < 40};
  train::Series kl{"KL to the reference (per sequence)", "#d62728", {}, {}, rows.size() < 40};
  for (const nlohmann::json& r : rows) {
    score.x.push_back(r["iteration"].get<double>());
    score.y.push_back(r["env/reward_mean"].get<double>());
    kl.x.push_back(r["iteration"].get<double>());
    kl.y.push_back(r["objective/kl"].get<double>());
  }
  train::ChartOptions co;
  co.title = "PPO: mean score and KL per iteration";
  co.x_label = "iteration";
  co.y_label = "score / KL (nats)";
  io::write_text_atomic(dir + "/ppo.svg", train::line_chart_svg({score, kl}, co));
}

}  // namespace

Tensor kl_penalty_rewards(const Tensor& logp_in, const Tensor& ref_in, const Tensor& mask_in, const ScoredBatch& b,
                          const std::vector<double>& scores, double beta, double* mean_kl) {
  const int64_t N = b.ids.size(0), T = b.ids.size(1);
  for (const Tensor* t : {&logp_in, &ref_in, &mask_in})
    LMF_CHECK_SHAPE((t->shape() == Shape{N, T}), "kl_penalty_rewards",
                t->shape().str() + " does not match the batch's " + Shape{N, T}.str());
  if (int64_t(scores.size()) != N)
    throw Error("kl_penalty_rewards: " + std::to_string(scores.size()) + " scores for " + std::to_string(N) + " rows");
  Tensor logp = logp_in.contiguous(), ref = ref_in.contiguous(), mask = mask_in.contiguous();
  const float *lp = logp.f32(), *rf = ref.f32(), *m = mask.f32();
  Tensor rewards = Tensor::empty({N, T});
  float* rw = rewards.f32();
  double kl_sum = 0;
  for (int64_t i = 0; i < N * T; ++i) {
    const double kl = double(m[i]) * (double(lp[i]) - double(rf[i]));
    kl_sum += kl;
    rw[i] = float(-beta * kl);
  }
  for (int64_t n = 0; n < N; ++n) {
    const int64_t last = b.prompt_len[size_t(n)] + b.response_len[size_t(n)] - 2;
    LMF_CHECK_SHAPE(b.response_len[size_t(n)] > 0 && last < T, "kl_penalty_rewards", "row " + std::to_string(n) + " has no response");
    rw[n * T + last] += float(scores[size_t(n)]);
  }
  if (mean_kl) *mean_kl = kl_sum / double(N);
  return rewards;
}

PpoResult run_ppo(Transformer& policy, ft::PeftMethod* method, ValueHead& vh, Transformer& reference,
                  const std::vector<Ids>& prompts, const RewardFn& reward, const PpoOptions& opt,
                  const std::function<void(const nlohmann::json& row)>& on_iteration) {
  if (prompts.empty()) throw Error("ppo: no prompts");
  if (!reward) throw Error("ppo: no reward function");
  if (opt.iterations <= 0 || opt.batch <= 0 || opt.minibatch <= 0 || opt.epochs <= 0)
    throw Error("ppo: iterations, batch, minibatch and epochs must be positive");
  if (opt.minibatch > opt.batch)
    throw Error("ppo: minibatch " + std::to_string(opt.minibatch) + " is larger than the batch " +
                std::to_string(opt.batch));
  if (!method && &reference == &policy)
    throw Error("ppo: with full weights the reference must be a separate, frozen copy of the starting model");
  optim::NamedTensors named = ft::attach_trainable(policy, method);
  if (!method) reference.set_requires_grad(false);
  vh.set_requires_grad(true);
  for (const auto& nt : vh.tensors()) named.push_back(nt);
  PpoResult res;
  for (const auto& [n, t] : named) res.trainable += t.numel();

  const std::unique_ptr<optim::AdamW> adam_ptr = ft::make_adamw(named, opt.lr, opt.weight_decay);
  optim::AdamW& adam = *adam_ptr;
  KLController kl_ctl = opt.adaptive_kl ? KLController::adaptive(opt.init_kl, opt.target_kl, opt.kl_horizon)
                                        : KLController::fixed(opt.init_kl);

  std::unique_ptr<train::MetricsLog> metrics;
  if (!opt.out_dir.empty()) {
    fs::create_directories(opt.out_dir);
    metrics = std::make_unique<train::MetricsLog>(opt.out_dir + "/metrics.jsonl", -1);
  }
  std::unique_ptr<io::Progress> progress;
  if (!opt.quiet) {
    progress = std::make_unique<io::Progress>(opt.iterations, opt.batch * opt.rollout.max_new_tokens, 0,
                                              std::max<int64_t>(1, opt.iterations / 20));
    progress->set_units({"iteration", "sampled tok/s (at most)", false});
  }

  train::EpochSampler sampler(prompts.size(), opt.seed);
  const int64_t B = opt.batch;
  double total_s = 0, roll_s = 0, upd_s = 0;
  for (int64_t it = 1; it <= opt.iterations; ++it) {
    const auto t0 = Clock::now();
    // 1. rollout
    std::vector<Ids> batch_prompts;
    for (size_t i : sampler.next_batch(B)) batch_prompts.push_back(prompts[i]);
    if (method) method->set_training(false, 0);
    RolloutOptions ro = opt.rollout;
    ro.seed = opt.seed * 7919ull + uint64_t(it);
    Rollout r = rollout(policy, vh, reference, batch_prompts, ro);
    // 2. reward
    const std::vector<double> scores = reward(r.prompts, r.responses);
    if (int64_t(scores.size()) != B)
      throw Error("ppo: the reward function returned " + std::to_string(scores.size()) + " scores for " +
                  std::to_string(B) + " responses");
    // 3. per-token rewards: −β·KL, plus the score at the last response token
    const double beta = kl_ctl.value();
    double mean_kl = 0;
    const Tensor rewards = kl_penalty_rewards(r.logp, r.ref_logp, r.mask, r.batch, scores, beta, &mean_kl);
    // 4. advantages and returns
    const Gae g = compute_gae(rewards, r.values, r.mask, opt.gae);
    const double roll_time = seconds_since(t0);
    // 5. update
    const auto t1 = Clock::now();
    PpoLossStats acc;
    int64_t mb_count = 0;
    for (int64_t e = 0; e < opt.epochs; ++e) {
      const std::vector<size_t> rows = sampler.permutation(size_t(B));  // this pass's minibatch order
      for (int64_t s = 0; s < B; s += opt.minibatch) {
        std::vector<size_t> idx(rows.begin() + s, rows.begin() + std::min(B, s + opt.minibatch));
        std::vector<Ids> ps, rs;
        for (size_t i : idx) ps.push_back(r.prompts[i]), rs.push_back(r.responses[i]);
        const ScoredBatch mb = make_scored_batch(ps, rs, policy.config().n_positions);
        const int64_t Ts = mb.ids.size(1);
        adam.zero_grad();
        const PolicyOutput po = policy_forward(policy, vh, mb, ro.temperature);
        PpoLossStats st;
        Tensor loss = ppo_loss(po.logp, po.values, take_rows(r.logp, idx, Ts), take_rows(r.values, idx, Ts),
                               take_rows(g.advantages, idx, Ts), take_rows(g.returns, idx, Ts),
                               take_rows(r.mask, idx, Ts), opt.loss, &st);
        loss.backward();
        if (opt.grad_clip > 0) optim::clip_grad_norm(adam, opt.grad_clip);
        adam.step();
        acc.pg_loss += st.pg_loss;
        acc.vf_loss += st.vf_loss;
        acc.pg_clipfrac += st.pg_clipfrac;
        acc.vf_clipfrac += st.vf_clipfrac;
        acc.approx_kl += st.approx_kl;
        acc.policy_kl += st.policy_kl;
        ++mb_count;
      }
    }
    const double upd_time = seconds_since(t1);
    // 6. the KL coefficient
    kl_ctl.update(mean_kl, B);

    double score_mean = 0, score_sq = 0;
    for (double s : scores) score_mean += s, score_sq += s * s;
    score_mean /= double(B);
    const double score_std = B > 1 ? std::sqrt(std::max(0.0, (score_sq - double(B) * score_mean * score_mean) / double(B - 1))) : 0.0;
    const double k = 1.0 / double(mb_count);
    nlohmann::json row{{"iteration", it},
                       {"env/reward_mean", score_mean},
                       {"env/reward_std", score_std},
                       {"objective/kl", mean_kl},
                       {"objective/kl_coef", beta},
                       {"objective/entropy", r.entropy},
                       {"ppo/mean_non_score_reward", -beta * mean_kl},
                       {"ppo/loss/policy", acc.pg_loss * k},
                       {"ppo/loss/value", acc.vf_loss * k},
                       {"ppo/loss/total", (acc.pg_loss + double(opt.loss.vf_coef) * acc.vf_loss) * k},
                       {"ppo/policy/clipfrac", acc.pg_clipfrac * k},
                       {"ppo/val/clipfrac", acc.vf_clipfrac * k},
                       {"ppo/policy/approxkl", acc.approx_kl * k},
                       {"ppo/policy/policykl", acc.policy_kl * k},
                       {"ppo/returns/mean", masked_mean(g.returns, r.mask)},
                       {"ppo/val/mean", masked_mean(r.values, r.mask)},
                       {"tokens/responses_len_mean", double(r.tokens) / double(B)},
                       {"time/rollout_s", roll_time},
                       {"time/update_s", upd_time}};
    res.rows.push_back(row);
    total_s += seconds_since(t0);
    roll_s += roll_time;
    upd_s += upd_time;
    if (metrics) metrics->write(row);
    if (on_iteration) on_iteration(row);
    if (progress) {
      char buf[128];
      std::snprintf(buf, sizeof buf, " | score %.3f | kl %.3f | beta %.3f", score_mean, mean_kl, beta);
      progress->update(it, buf);
    }
  }
  if (progress) progress->finish();
  if (method) method->set_training(false, 0);
  res.seconds_per_iteration = total_s / double(opt.iterations);
  res.rollout_seconds = roll_s / double(opt.iterations);
  res.update_seconds = upd_s / double(opt.iterations);
  if (!opt.out_dir.empty()) {
    write_plot(opt.out_dir, res.rows);
    save_ppo(opt.out_dir, policy, method, vh);
  }
  return res;
}

void save_ppo(const std::string& out_dir, Transformer& policy, const ft::PeftMethod* method, const ValueHead& vh) {
  fs::create_directories(out_dir);
  if (method) {
    ForwardHooks* hooks = policy.hooks();
    policy.set_hooks(nullptr);
    ft::save_adapter(*method, out_dir);
    policy.set_hooks(hooks);
  } else {
    save_model(policy, out_dir);
  }
  vh.save(out_dir + "/value_head.safetensors");
}

}  // namespace lmf::align
