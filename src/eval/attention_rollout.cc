#include "eval/attention_rollout.h"

#include <algorithm>
#include <cmath>
#include <string>

#include "core/error.h"

namespace lmf::eval {

Tensor attention_probabilities(const Tensor& q, const Tensor& k) {
  LMF_CHECK_SHAPE(q.dim() == 4 && k.dim() == 4 && q.size(0) == k.size(0) && q.size(3) == k.size(3) &&
                      k.size(1) > 0 && q.size(1) % k.size(1) == 0 && k.size(2) >= q.size(2),
                  "attention_probabilities",
                  "queries (B, H, T, D) and keys (B, Hkv, S, D) with H % Hkv == 0 and S >= T, got " + q.str() + " and " +
                      k.str());
  const int64_t B = q.size(0), H = q.size(1), T = q.size(2), D = q.size(3), Hkv = k.size(1), S = k.size(2);
  const std::vector<float> qv = q.detach().to_vector(), kv = k.detach().to_vector();  // contiguous copies
  std::vector<float> out(size_t(B * H * T * S), 0.0f);
  const double scale = 1.0 / std::sqrt(double(D));
  std::vector<double> row(static_cast<size_t>(S), 0.0);
  for (int64_t b = 0; b < B; ++b)
    for (int64_t h = 0; h < H; ++h) {
      const int64_t g = h / (H / Hkv);
      for (int64_t t = 0; t < T; ++t) {
        const float* qt = &qv[size_t(((b * H + h) * T + t) * D)];
        const int64_t last = t + S - T;  // the last key query t sees
        double mx = -INFINITY;
        for (int64_t s = 0; s <= last; ++s) {
          const float* ks = &kv[size_t(((b * Hkv + g) * S + s) * D)];
          double dot = 0;
          for (int64_t d = 0; d < D; ++d) dot += double(qt[d]) * double(ks[d]);
          row[size_t(s)] = dot * scale;
          mx = std::max(mx, row[size_t(s)]);
        }
        double sum = 0;
        for (int64_t s = 0; s <= last; ++s) sum += (row[size_t(s)] = std::exp(row[size_t(s)] - mx));
        float* o = &out[size_t(((b * H + h) * T + t) * S)];
        for (int64_t s = 0; s <= last; ++s) o[s] = float(row[size_t(s)] / sum);
      }
    }
  return Tensor::from_vector(out, {B, H, T, S});
}

std::vector<double> attention_rollout(const std::vector<Tensor>& probabilities, int64_t row) {
  LMF_CHECK_SHAPE(!probabilities.empty(), "attention_rollout", "needs the attention of at least one layer");
  const Tensor& first = probabilities[0];
  LMF_CHECK_SHAPE(first.dim() == 4 && first.size(2) == first.size(3), "attention_rollout",
                  "layer 0: probabilities must be (B, H, T, T), got " + first.str());
  const int64_t H = first.size(1), T = first.size(2);
  LMF_CHECK_SHAPE(row >= 0 && row < T, "attention_rollout",
                  "row " + std::to_string(row) + " is outside the " + std::to_string(T) + " positions");
  std::vector<double> r(static_cast<size_t>(T), 0.0), next(static_cast<size_t>(T)), A(static_cast<size_t>(T * T));
  r[size_t(row)] = 1.0;  // e_row
  for (size_t l = probabilities.size(); l-- > 0;) {  // r ← r·Â_l, the last layer first
    const Tensor& P = probabilities[l];
    LMF_CHECK_SHAPE(P.dim() == 4 && P.size(1) == H && P.size(2) == T && P.size(3) == T, "attention_rollout",
                    "layer " + std::to_string(l) + ": probabilities " + P.str() + " differ from layer 0's " +
                        first.str());
    const std::vector<float> p = P.slice(0, 0, 1).to_vector();  // batch row 0: (H, T, T)
    for (int64_t t = 0; t < T; ++t) {  // Â_l row t: head average, half identity, renormalised
      double sum = 0;
      for (int64_t s = 0; s < T; ++s) {
        double a = 0;
        for (int64_t h = 0; h < H; ++h) a += p[size_t((h * T + t) * T + s)];
        a = 0.5 * a / double(H) + (s == t ? 0.5 : 0.0);
        A[size_t(t * T + s)] = a;
        sum += a;
      }
      for (int64_t s = 0; s < T; ++s) A[size_t(t * T + s)] /= sum;
    }
    std::fill(next.begin(), next.end(), 0.0);
    for (int64_t t = 0; t < T; ++t)
      if (r[size_t(t)] != 0.0)
        for (int64_t s = 0; s < T; ++s) next[size_t(s)] += r[size_t(t)] * A[size_t(t * T + s)];
    r.swap(next);
  }
  return r;
}

}  // namespace lmf::eval
