#include "infer/sampler.h"

#include <algorithm>
#include <cmath>
#include <numeric>

#include "core/error.h"
#include "core/random.h"

namespace lmf {

Sampler::Sampler(const SamplingOptions& opt) : opt_(opt) {
  if (opt.temperature < 0) throw Error("temperature must be >= 0");
  if (opt.top_p <= 0 || opt.top_p > 1) throw Error("top_p must be in (0, 1]");
  if (opt.min_p < 0 || opt.min_p > 1) throw Error("min_p must be in [0, 1]");
  if (opt.repetition_penalty <= 0) throw Error("repetition_penalty must be > 0");
  if (opt.top_k < 0) throw Error("top_k must be >= 0");
  if (opt.watermark.on()) check_watermark(opt.watermark);
}

size_t Sampler::filter(const float* logits, int64_t V, const std::vector<int32_t>& history) {
  work_.assign(logits, logits + V);
  float* x = work_.data();
  if (opt_.repetition_penalty != 1.0f) {
    seen_.assign(size_t(V), 0);
    for (int32_t id : history)
      if (id >= 0 && id < V && !seen_[size_t(id)]) {
        seen_[size_t(id)] = 1;
        x[id] = x[id] > 0 ? x[id] / opt_.repetition_penalty : x[id] * opt_.repetition_penalty;
      }
  }
  if (opt_.watermark.on()) {
    if (history.empty()) throw Error("watermark: no previous token to seed the green list");
    add_watermark_bias(opt_.watermark, history.back(), x, V);
  }
  if (opt_.temperature == 0.0f) return 0;
  for (int64_t i = 0; i < V; ++i) x[i] /= opt_.temperature;
  // Candidates sorted by logit (descending; ties by id for determinism).
  order_.resize(size_t(V));
  std::iota(order_.begin(), order_.end(), 0);
  int64_t keep = V;
  if (opt_.top_k > 0 && opt_.top_k < V) keep = opt_.top_k;
  auto cmp = [&](int32_t a, int32_t b) { return x[a] > x[b] || (x[a] == x[b] && a < b); };
  if (keep < V) {
    std::partial_sort(order_.begin(), order_.begin() + keep, order_.end(), cmp);
    order_.resize(size_t(keep));
  } else {
    std::sort(order_.begin(), order_.end(), cmp);
  }
  // Softmax over the kept candidates.
  const float mx = x[order_[0]];
  double total = 0;
  probs_.resize(order_.size());
  for (size_t i = 0; i < order_.size(); ++i) total += (probs_[i] = std::exp(double(x[order_[i]]) - double(mx)));
  for (double& v : probs_) v /= total;
  size_t n = order_.size();
  if (opt_.top_p < 1.0f) {  // smallest prefix whose mass reaches top_p (at least one token)
    double cum = 0;
    size_t i = 0;
    for (; i < n; ++i) {
      cum += probs_[i];
      if (cum >= opt_.top_p) break;
    }
    n = std::min(n, i + 1);
  }
  if (opt_.min_p > 0.0f) {
    double floor = opt_.min_p * probs_[0];
    size_t i = 1;
    while (i < n && probs_[i] >= floor) ++i;
    n = i;
  }
  return n;
}

std::vector<double> Sampler::distribution(const float* logits, int64_t V, const std::vector<int32_t>& history) {
  if (opt_.temperature == 0.0f) throw Error("distribution: greedy sampling has no distribution");
  size_t n = filter(logits, V, history);
  double mass = 0;
  for (size_t i = 0; i < n; ++i) mass += probs_[i];
  std::vector<double> out(size_t(V), 0.0);
  for (size_t i = 0; i < n; ++i) out[size_t(order_[i])] = probs_[i] / mass;
  return out;
}

int32_t Sampler::sample(const float* logits, int64_t V, const std::vector<int32_t>& history) {
  const uint64_t step = step_++;
  size_t n = filter(logits, V, history);
  if (opt_.temperature == 0.0f) return int32_t(std::max_element(work_.begin(), work_.end()) - work_.begin());
  double mass = 0;
  for (size_t i = 0; i < n; ++i) mass += probs_[i];
  uint32_t r[4];
  Philox::block(opt_.seed, step, r);
  double u = (double(r[0]) * 4294967296.0 + double(r[1])) / 18446744073709551616.0 * mass;
  double cum = 0;
  for (size_t i = 0; i < n; ++i) {
    cum += probs_[i];
    if (u < cum) return order_[i];
  }
  return order_[n - 1];
}

}  // namespace lmf
