// InfoNCE with in-batch negatives: forward and backward side by side.
#include "core/ops/contrastive_loss.h"

#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "core/autograd.h"

namespace lmf {
namespace {

constexpr double kNormEps = 1e-12;  // F.normalize's eps

// x (R, C) → x̂ (R, C) in double, and each row's norm (R).
void normalize_rows(const float* x, int64_t R, int64_t C, std::vector<double>& xh, std::vector<double>& norm) {
  xh.resize(size_t(R * C));
  norm.resize(size_t(R));
  for (int64_t r = 0; r < R; ++r) {
    double ss = 0;
    for (int64_t c = 0; c < C; ++c) ss += double(x[r * C + c]) * x[r * C + c];
    norm[size_t(r)] = std::sqrt(ss);
    const double d = std::max(norm[size_t(r)], kNormEps);
    for (int64_t c = 0; c < C; ++c) xh[size_t(r * C + c)] = x[r * C + c] / d;
  }
}

// dx̂ rows [r0, r0 + R) of `dxh` (… , C) → dx added into g (R, C), through x̂ = x / max(‖x‖, eps).
void normalize_backward(const std::vector<double>& xh, const std::vector<double>& norm, const std::vector<double>& dxh,
                        int64_t r0, int64_t R, int64_t C, float* g) {
  for (int64_t r = 0; r < R; ++r) {
    const double* xr = xh.data() + (r0 + r) * C;
    const double* dr = dxh.data() + (r0 + r) * C;
    const double n = norm[size_t(r0 + r)];
    double dot = 0;
    if (n > kNormEps)
      for (int64_t c = 0; c < C; ++c) dot += xr[c] * dr[c];
    const double inv = 1.0 / std::max(n, kNormEps);
    for (int64_t c = 0; c < C; ++c) g[r * C + c] += float((dr[c] - xr[c] * dot) * inv);
  }
}

}  // namespace

// anchors (B, C), positives (B, C), negatives (M, C) → [].
Tensor contrastive_loss(const Tensor& anchors_in, const Tensor& positives_in, const Tensor& negatives_in,
                        float temperature) {
  check_f32(anchors_in, "contrastive_loss", "anchors");
  check_f32(positives_in, "contrastive_loss", "positives");
  const bool has_neg = negatives_in.defined();
  if (has_neg) check_f32(negatives_in, "contrastive_loss", "negatives");
  LMF_CHECK_SHAPE(anchors_in.dim() == 2 && anchors_in.size(0) > 0 && anchors_in.shape() == positives_in.shape(),
                  "contrastive_loss",
                  "anchors " + anchors_in.shape().str() + " and positives " + positives_in.shape().str() +
                      " must both be (B, C) with B > 0");
  LMF_CHECK_SHAPE(!has_neg || (negatives_in.dim() == 2 && negatives_in.size(1) == anchors_in.size(1)),
                  "contrastive_loss",
                  "negatives " + (has_neg ? negatives_in.shape().str() : std::string()) + " must be (M, C) with C = " +
                      std::to_string(anchors_in.size(1)) + " as anchors " + anchors_in.shape().str());
  LMF_CHECK_SHAPE(std::isfinite(temperature) && temperature > 0, "contrastive_loss",
                  "temperature must be positive and finite, got " + std::to_string(temperature));
  Tensor a = anchors_in.contiguous(), p = positives_in.contiguous();
  Tensor n = has_neg ? negatives_in.contiguous() : Tensor();
  const int64_t B = a.size(0), C = a.size(1), M = has_neg ? n.size(0) : 0, N = B + M;

  // â (B, C); k̂ = normalised positives ++ negatives (N, C).
  std::vector<double> ah, an, kh, kn, nh, nn;
  normalize_rows(a.f32(), B, C, ah, an);
  normalize_rows(p.f32(), B, C, kh, kn);
  if (M > 0) {
    normalize_rows(n.f32(), M, C, nh, nn);
    kh.insert(kh.end(), nh.begin(), nh.end());
    kn.insert(kn.end(), nn.begin(), nn.end());
  }
  // P = softmax(s) by rows (B, N), kept for the backward.
  std::vector<double> P(size_t(B * N));
  double total = 0;
  for (int64_t i = 0; i < B; ++i) {
    double* row = P.data() + i * N;
    double mx = -INFINITY;
    for (int64_t j = 0; j < N; ++j) {
      double dot = 0;
      for (int64_t c = 0; c < C; ++c) dot += ah[size_t(i * C + c)] * kh[size_t(j * C + c)];
      row[j] = dot / temperature;
      mx = std::max(mx, row[j]);
    }
    double se = 0;
    for (int64_t j = 0; j < N; ++j) se += std::exp(row[j] - mx);
    total += mx + std::log(se) - row[i];
    for (int64_t j = 0; j < N; ++j) row[j] = std::exp(row[j] - mx) / se;
  }
  Tensor loss = Tensor::full({}, float(total / double(B)));
  if (autograd::should_record({&a, &p, &n})) {
    autograd::record("contrastive_loss", loss,
                     [ga = autograd::GradSink(a), gp = autograd::GradSink(p),
                      gn = autograd::GradSink(n), ah = std::move(ah),
                      an = std::move(an), kh = std::move(kh), kn = std::move(kn), P = std::move(P), B, C, M, N,
                      temperature](const Tensor& dy) mutable {
                       // G = dy (P − I) / B / τ, then dâ = G k̂ and dk̂ = Gᵀ â.
                       const double k = double(dy.item()) / double(B) / temperature;
                       std::vector<double> G(P.size());
                       for (int64_t i = 0; i < B; ++i)
                         for (int64_t j = 0; j < N; ++j) G[size_t(i * N + j)] = k * (P[size_t(i * N + j)] - (i == j));
                       if (ga.wanted()) {
                         std::vector<double> dah(size_t(B * C), 0.0);
                         for (int64_t i = 0; i < B; ++i)
                           for (int64_t j = 0; j < N; ++j) {
                             const double g = G[size_t(i * N + j)];
                             for (int64_t c = 0; c < C; ++c) dah[size_t(i * C + c)] += g * kh[size_t(j * C + c)];
                           }
                         normalize_backward(ah, an, dah, 0, B, C, ga.buffer());
                       }
                       if (gp.wanted() || gn.wanted()) {
                         std::vector<double> dkh(size_t(N * C), 0.0);
                         for (int64_t i = 0; i < B; ++i)
                           for (int64_t j = 0; j < N; ++j) {
                             const double g = G[size_t(i * N + j)];
                             for (int64_t c = 0; c < C; ++c) dkh[size_t(j * C + c)] += g * ah[size_t(i * C + c)];
                           }
                         if (gp.wanted()) normalize_backward(kh, kn, dkh, 0, B, C, gp.buffer());
                         if (gn.wanted()) normalize_backward(kh, kn, dkh, B, M, C, gn.buffer());
                       }
                     });
  }
  return loss;
}

}  // namespace lmf
