#include "eval/kl_divergence.h"

#include <algorithm>
#include <cmath>

#include "core/autograd.h"
#include "core/error.h"
#include "data/token_shard.h"
#include "eval/log_sum_exp.h"

namespace lmf::eval {


PositionDivergence position_divergence(const float* reference_logits, const float* model_logits, int64_t V,
                                       int32_t target) {
  int64_t top_p = 0, top_q = 0;
  const double lse_p = log_sum_exp(reference_logits, V, &top_p);
  const double lse_q = log_sum_exp(model_logits, V, &top_q);
  double kl = 0;
  for (int64_t v = 0; v < V; ++v) {
    const double lp = double(reference_logits[v]) - lse_p, lq = double(model_logits[v]) - lse_q;
    kl += std::exp(lp) * (lp - lq);
  }
  PositionDivergence d;
  d.kl = std::max(kl, 0.0);  // rounding can leave -1e-17 for identical distributions
  d.nll_reference = lse_p - double(reference_logits[target]);
  d.nll_model = lse_q - double(model_logits[target]);
  d.delta_p = std::exp(-d.nll_model) - std::exp(-d.nll_reference);
  d.same_top1 = top_p == top_q;
  return d;
}

void KlDivergenceStats::add(const PositionDivergence& d) {
  kl_.push_back(d.kl);
  nll_reference_ += d.nll_reference;
  nll_model_ += d.nll_model;
  delta_p2_ += d.delta_p * d.delta_p;
  same_top1_ += d.same_top1;
}

double interpolated_percentile(const std::vector<double>& sorted, double fraction) {
  if (fraction <= 0) return sorted.front();
  if (fraction >= 1) return sorted.back();
  const double p = fraction * double(sorted.size() - 1);
  const size_t i = size_t(p);
  const double w = p - double(i);
  return (1 - w) * sorted[i] + w * sorted[std::min(i + 1, sorted.size() - 1)];
}

KlDivergenceReport KlDivergenceStats::report() const {
  const int64_t n = count();
  if (n < 2) throw Error("KL divergence: " + std::to_string(n) + " positions scored; at least 2 are needed");
  const double dn = double(n);
  KlDivergenceReport r;
  r.positions = n;
  r.loss_reference = nll_reference_ / dn;
  r.loss_model = nll_model_ / dn;
  r.ppl_reference = std::exp(r.loss_reference);
  r.ppl_model = std::exp(r.loss_model);
  double s = 0, s2 = 0;
  for (double k : kl_) s += k, s2 += k * k;
  r.kl_mean = s / dn;
  r.kl_stderr = std::sqrt(std::max(0.0, s2 / dn - r.kl_mean * r.kl_mean) / (dn - 1));
  std::vector<double> sorted = kl_;
  std::sort(sorted.begin(), sorted.end());
  r.kl_median = interpolated_percentile(sorted, 0.5);
  r.kl_p99 = interpolated_percentile(sorted, 0.99);
  r.kl_p999 = interpolated_percentile(sorted, 0.999);
  r.kl_max = sorted.back();
  r.top1_agreement = double(same_top1_) / dn;
  r.top1_stderr = std::sqrt(r.top1_agreement * (1 - r.top1_agreement) / (dn - 1));
  r.rms_delta_p = std::sqrt(delta_p2_ / dn);
  return r;
}

KlDivergenceReport model_kl_divergence(Transformer& reference, Transformer& model, const std::string& reference_path,
                                       const std::string& model_path, const std::string& shard_path, int64_t T,
                                       int64_t first, int64_t B, int64_t max_windows) {
  const int64_t V = model.config().vocab_size;
  if (reference.config().vocab_size != V)
    throw Error("the reference " + reference_path + " has a vocabulary of " +
                std::to_string(reference.config().vocab_size) + " tokens and the model " + model_path + " one of " +
                std::to_string(V) + ": KL divergence compares distributions over the same vocabulary");
  const int64_t context = std::min(reference.config().n_positions, model.config().n_positions);
  if (T <= 0) T = context;
  for (auto [m, path] : {std::pair<Transformer*, const std::string*>{&reference, &reference_path}, {&model, &model_path}})
    if (T > m->config().n_positions)
      throw Error("window length " + std::to_string(T) + " exceeds the context length " +
                  std::to_string(m->config().n_positions) + " of " + *path);
  if (first < 0) first = T / 2;
  if (first >= T)
    throw Error("KL divergence over " + shard_path + ": the first scored position " + std::to_string(first) +
                " is not inside a window of " + std::to_string(T));
  if (B < 1) throw Error("KL divergence over " + shard_path + ": B=" + std::to_string(B) + " must be positive");
  const data::TokenShard shard = data::TokenShard::open(shard_path);
  const int64_t n = int64_t(shard.size());
  int64_t windows = n >= 1 ? (n - 1) / T : 0;
  if (windows == 0)
    throw Error(shard_path + ": " + std::to_string(n) + " tokens are too few to evaluate at T=" + std::to_string(T) +
                " (needs T+1 = " + std::to_string(T + 1) + ")");
  if (max_windows > 0) windows = std::min(windows, max_windows);
  if (const size_t bad = shard.find_id_at_least(uint32_t(V)); bad < size_t(windows * T + 1))
    throw Error(shard_path + ": token " + std::to_string(bad) + " has id " + std::to_string(shard[bad]) +
                ", outside the models' vocabulary of " + std::to_string(V));

  autograd::NoGradGuard no_grad;
  KlDivergenceStats stats;
  const int64_t scored = T - first;
  std::vector<int32_t> targets;
  std::vector<PositionDivergence> d;
  for (int64_t w0 = 0; w0 < windows; w0 += B) {
    const int64_t b = std::min(B, windows - w0);
    Tensor x = Tensor::empty({b, T}, DType::I32);
    targets.resize(size_t(b * T));
    for (int64_t r = 0; r < b; ++r) {
      shard.read(size_t((w0 + r) * T), size_t(T), x.data<int32_t>() + r * T);
      shard.read(size_t((w0 + r) * T + 1), size_t(T), targets.data() + r * T);
    }
    const Tensor lp = reference.forward(x).contiguous();  // (b, T, V)
    const Tensor lq = model.forward(x).contiguous();
    const float* p = lp.data<float>();
    const float* q = lq.data<float>();
    d.assign(size_t(b * scored), {});
#pragma omp parallel for schedule(static)
    for (int64_t i = 0; i < b * scored; ++i) {
      const int64_t row = (i / scored) * T + first + i % scored;  // window i / scored, position first + i % scored
      d[size_t(i)] = position_divergence(p + row * V, q + row * V, V, targets[size_t(row)]);
    }
    for (const PositionDivergence& e : d) {
      if (!std::isfinite(e.kl) || !std::isfinite(e.nll_model) || !std::isfinite(e.nll_reference))
        throw Error("KL divergence over " + shard_path + ": a non-finite value in windows [" + std::to_string(w0) +
                    ", " + std::to_string(w0 + b) + ") of " + model_path + " or " + reference_path);
      stats.add(e);
    }
  }
  KlDivergenceReport r = stats.report();
  r.windows = windows;
  r.T = T;
  r.first = first;
  return r;
}

}  // namespace lmf::eval
