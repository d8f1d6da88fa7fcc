#include "core/kernels/flash_attention.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <tuple>

#include "core/allocator.h"
#include "core/kernels/tile_gemm.h"
#include "core/kernels/vec_math.h"

namespace lmf::kernels {
namespace {

constexpr int64_t kTile = 64;  // queries and keys per tile
constexpr float kNegInf = -std::numeric_limits<float>::infinity();

// ---- row kernels on one tile row of n (a multiple of 16) scores ----
// Plain loops over vmath functions: `omp simd` vectorises them for the build's ISA.

// row[c] = c < vis ? row[c]·scale + mask[c] : −∞. Returns the row's max.
float logits_row(float* row, int n, int vis, float scale, const float* mask) {
  vis = std::max(std::min(vis, n), 0);
  if (mask) {
#pragma omp simd
    for (int c = 0; c < vis; ++c) row[c] = row[c] * scale + mask[c];
  } else {
#pragma omp simd
    for (int c = 0; c < vis; ++c) row[c] *= scale;
  }
  for (int c = vis; c < n; ++c) row[c] = kNegInf;
  float mx = kNegInf;
#pragma omp simd reduction(max : mx)
  for (int c = 0; c < n; ++c) mx = mx > row[c] ? mx : row[c];
  return mx;
}

// row[c] = exp(row[c] − m), 0 where row[c] is −∞. Returns the sum.
float exp_row(float* row, int n, float m) {
  float sum = 0;
#pragma omp simd reduction(+ : sum)
  for (int c = 0; c < n; ++c) {
    const float x = row[c];
    const float p = x == kNegInf ? 0.0f : vmath::vexp(x - m);
    row[c] = p;
    sum += p;
  }
  return sum;
}

// row[c] = c < vis ? exp(row[c]·scale + mask[c] − lse) : 0 (the probabilities, recomputed;
// exactly 0 where the mask is −∞).
void probs_row(float* row, int n, int vis, float scale, const float* mask, float lse) {
  vis = std::max(std::min(vis, n), 0);
  if (mask) {
#pragma omp simd
    for (int c = 0; c < vis; ++c) {
      const float x = row[c] * scale - lse + mask[c];
      row[c] = x == kNegInf ? 0.0f : vmath::vexp(x);
    }
  } else {
#pragma omp simd
    for (int c = 0; c < vis; ++c) row[c] = vmath::vexp(row[c] * scale - lse);
  }
  for (int c = vis; c < n; ++c) row[c] = 0.0f;
}

// ds[c] = p[c]·(ds[c] − d)·scale: the softmax backward with dP in ds, d = Σ dO·O of the row.
void dsoftmax_row(float* ds, const float* p, int n, float d, float scale) {
#pragma omp simd
  for (int c = 0; c < n; ++c) ds[c] = p[c] * (ds[c] - d) * scale;
}

// ---- packing: padded copies that make the tile GEMM's B operands contiguous ----

// dst (N, Dp) rows = src rows (b, h, 0..N) with zero padding to (Np, Dp).
void pack_rows(const AttentionRows& src, int64_t b, int64_t h, int64_t N, int64_t Np, int64_t D, int64_t Dp, float* dst) {
  for (int64_t n = 0; n < Np; ++n) {
    float* d = dst + n * Dp;
    if (n < N) {
      std::memcpy(d, src.row(b, h, n), size_t(D) * sizeof(float));
      std::fill(d + D, d + Dp, 0.0f);
    } else {
      std::fill(d, d + Dp, 0.0f);
    }
  }
}

// dst (D, Np) = transpose of src rows (b, h, 0..N), zero columns past N.
void pack_transposed(const AttentionRows& src, int64_t b, int64_t h, int64_t N, int64_t Np, int64_t D, float* dst) {
  for (int64_t n = 0; n < Np; ++n) {
    if (n < N) {
      const float* s = src.row(b, h, n);
      for (int64_t d = 0; d < D; ++d) dst[d * Np + n] = s[d];
    } else {
      for (int64_t d = 0; d < D; ++d) dst[d * Np + n] = 0.0f;
    }
  }
}

// A float buffer from the caching allocator, returned to it on scope exit.
class Scratch {
 public:
  explicit Scratch(int64_t floats) : bytes_(size_t(floats) * sizeof(float)) {
    p_ = static_cast<float*>(CachingAllocator::allocate(bytes_));
  }
  ~Scratch() { CachingAllocator::deallocate(p_, bytes_); }
  Scratch(const Scratch&) = delete;
  Scratch& operator=(const Scratch&) = delete;
  float* data() const { return p_; }

 private:
  float* p_;
  size_t bytes_;
};

// One float buffer per thread, carved from a single scratch block.
struct PerThread {
  Scratch buf;
  int64_t each;
  explicit PerThread(int64_t floats_each) : buf(int64_t(omp_get_max_threads()) * floats_each), each(floats_each) {}
  float* mine() const { return buf.data() + omp_get_thread_num() * each; }
};

}  // namespace

// ---- forward: y (B,T,Hq,D memory) and lse (B,Hq,T) ----

void flash_attention_forward(const AttentionGeometry& G, const AttentionRows& q, const AttentionRows& k,
                             const AttentionRows& v, float* y, float* lse) {
  const int64_t B = G.B, Hq = G.Hq, Hkv = G.Hkv, T = G.T, S = G.S, D = G.D, Dp = G.Dp, Sp = G.Sp;
  // Kᵀ (D, Sp) and V (Sp, Dp) per (batch, kv head), shared by every query tile.
  Scratch kt_buf(B * Hkv * D * Sp), v_buf(B * Hkv * Sp * Dp);
  float* kt_all = kt_buf.data();
  float* v_all = v_buf.data();
#pragma omp parallel for schedule(static)
  for (int64_t bg = 0; bg < B * Hkv; ++bg) {
    pack_transposed(k, bg / Hkv, bg % Hkv, S, Sp, D, kt_all + bg * D * Sp);
    pack_rows(v, bg / Hkv, bg % Hkv, S, Sp, D, Dp, v_all + bg * Sp * Dp);
  }

  const int64_t qtiles = (T + kTile - 1) / kTile;
  PerThread scratch(kTile * kTile + kTile * Dp + 2 * kTile);
#pragma omp parallel for schedule(dynamic)
  for (int64_t task = 0; task < B * Hq * qtiles; ++task) {
    const int64_t b = task / (Hq * qtiles), h = (task / qtiles) % Hq, q0 = (task % qtiles) * kTile;
    const int64_t mb = std::min(kTile, T - q0), bg = b * Hkv + h / G.rep();
    const float* kt = kt_all + bg * D * Sp;
    const float* vp = v_all + bg * Sp * Dp;
    float* P = scratch.mine();     // (64, 64) scores, then probabilities
    float* O = P + kTile * kTile;  // (64, Dp) unnormalised output
    float* m = O + kTile * Dp;     // running row max
    float* l = m + kTile;          // running row sum
    std::fill(O, O + mb * Dp, 0.0f);
    std::fill(m, m + mb, kNegInf);
    std::fill(l, l + mb, 0.0f);
    const int64_t kend = std::min(S, G.visible(q0 + mb - 1));
    for (int64_t s0 = 0; s0 < kend; s0 += kTile) {
      const int64_t nb = std::min(kTile, Sp - s0);
      // P (mb, nb) = Q_tile · Kᵀ_tile
      tile_gemm(int(mb), int(nb), int(D), q.row(b, h, q0), q.sn, 1, kt + s0, Sp, P, kTile, false);
      for (int64_t r = 0; r < mb; ++r) {
        const int64_t t = q0 + r;
        float* row = P + r * kTile;
        const float mx = logits_row(row, int(nb), G.visible_in_tile(t, s0, nb), G.scale, G.mask_row(b, t, s0));
        const float mnew = std::max(m[r], mx);
        const float msafe = mnew == kNegInf ? 0.0f : mnew;
        const float sum = exp_row(row, int(nb), msafe);
        const float alpha = m[r] == kNegInf ? 0.0f : std::exp(m[r] - msafe);
        l[r] = l[r] * alpha + sum;
        m[r] = mnew;
        if (alpha != 1.0f)
          for (int64_t d = 0; d < Dp; ++d) O[r * Dp + d] *= alpha;
      }
      // O (mb, Dp) += P · V_tile
      tile_gemm(int(mb), int(Dp), int(nb), P, kTile, 1, vp + s0 * Dp, Dp, O, Dp, true);
    }
    for (int64_t r = 0; r < mb; ++r) {
      const int64_t t = q0 + r;
      float* out = y + ((b * T + t) * Hq + h) * D;
      const float inv = 1.0f / l[r];
      for (int64_t d = 0; d < D; ++d) out[d] = O[r * Dp + d] * inv;
      lse[(b * Hq + h) * T + t] = m[r] + std::log(l[r]);
    }
  }
}

// ---- backward: dq, dk, dv (each null when not wanted) [+]= gradients ----

void flash_attention_backward(const AttentionGeometry& G, const AttentionRows& q, const AttentionRows& k,
                              const AttentionRows& v, const AttentionRows& o, const AttentionRows& dy,
                              const float* lse, float* dq, float* dk, float* dv, bool add_q, bool add_k, bool add_v) {
  const int64_t B = G.B, Hq = G.Hq, Hkv = G.Hkv, T = G.T, S = G.S, D = G.D, Dp = G.Dp, Sp = G.Sp;
  const int64_t Tp = round16(T);
  // Per task: Kᵀ, Vᵀ (D, Sp); K, dK, dV (Sp, Dp); Q, dO, dQ (Tp, Dp); Δ (Tp); P, dS (64, 64).
  PerThread scratch(2 * D * Sp + 3 * Sp * Dp + 3 * Tp * Dp + Tp + 2 * kTile * kTile);
#pragma omp parallel for schedule(dynamic)
  for (int64_t bg = 0; bg < B * Hkv; ++bg) {
    const int64_t b = bg / Hkv, g = bg % Hkv;
    float* kt = scratch.mine();
    float* vt = kt + D * Sp;
    float* kp = vt + D * Sp;
    float* dK = kp + Sp * Dp;
    float* dV = dK + Sp * Dp;
    float* qp = dV + Sp * Dp;
    float* dOp = qp + Tp * Dp;
    float* dQ = dOp + Tp * Dp;
    float* delta = dQ + Tp * Dp;
    float* P = delta + Tp;
    float* dS = P + kTile * kTile;
    pack_transposed(k, b, g, S, Sp, D, kt);
    pack_transposed(v, b, g, S, Sp, D, vt);
    pack_rows(k, b, g, S, Sp, D, Dp, kp);
    std::fill(dK, dK + 2 * Sp * Dp, 0.0f);  // dK and dV
    for (int64_t h = g * G.rep(); h < (g + 1) * G.rep(); ++h) {
      pack_rows(q, b, h, T, T, D, Dp, qp);
      pack_rows(dy, b, h, T, T, D, Dp, dOp);
      for (int64_t t = 0; t < T; ++t) {  // Δ_t = Σ_d dO·O
        const float *a = dy.row(b, h, t), *c = o.row(b, h, t);
        float s = 0;
#pragma omp simd reduction(+ : s)
        for (int64_t d = 0; d < D; ++d) s += a[d] * c[d];
        delta[t] = s;
      }
      std::fill(dQ, dQ + T * Dp, 0.0f);
      const float* lse_bh = lse + (b * Hq + h) * T;
      for (int64_t s0 = 0; s0 < S; s0 += kTile) {
        const int64_t nb = std::min(kTile, Sp - s0);
        const int64_t tfirst = G.causal ? std::max<int64_t>(0, s0 - (S - T)) : 0;  // first query that sees s0
        for (int64_t q0 = tfirst / kTile * kTile; q0 < T; q0 += kTile) {
          const int64_t mb = std::min(kTile, T - q0);
          // P (mb, nb) = softmax probabilities, recomputed from Q·Kᵀ and the saved lse
          tile_gemm(int(mb), int(nb), int(D), qp + q0 * Dp, Dp, 1, kt + s0, Sp, P, kTile, false);
          for (int64_t r = 0; r < mb; ++r) {
            const int64_t t = q0 + r;
            probs_row(P + r * kTile, int(nb), G.visible_in_tile(t, s0, nb), G.scale, G.mask_row(b, t, s0), lse_bh[t]);
          }
          // dV (nb, Dp) += Pᵀ · dO
          if (dv) tile_gemm(int(nb), int(Dp), int(mb), P, 1, kTile, dOp + q0 * Dp, Dp, dV + s0 * Dp, Dp, true);
          if (!dq && !dk) continue;
          // dS (mb, nb) = P ∘ (dO·Vᵀ − Δ) · scale
          tile_gemm(int(mb), int(nb), int(D), dOp + q0 * Dp, Dp, 1, vt + s0, Sp, dS, kTile, false);
          for (int64_t r = 0; r < mb; ++r)
            dsoftmax_row(dS + r * kTile, P + r * kTile, int(nb), delta[q0 + r], G.scale);
          // dK (nb, Dp) += dSᵀ · Q;  dQ (mb, Dp) += dS · K
          if (dk) tile_gemm(int(nb), int(Dp), int(mb), dS, 1, kTile, qp + q0 * Dp, Dp, dK + s0 * Dp, Dp, true);
          if (dq) tile_gemm(int(mb), int(Dp), int(nb), dS, kTile, 1, kp + s0 * Dp, Dp, dQ + q0 * Dp, Dp, true);
        }
      }
      if (dq) {
        float* dst = dq + (b * Hq + h) * T * D;
        for (int64_t t = 0; t < T; ++t)
          for (int64_t d = 0; d < D; ++d) dst[t * D + d] = add_q ? dst[t * D + d] + dQ[t * Dp + d] : dQ[t * Dp + d];
      }
    }
    for (auto [acc, dst, add] : {std::tuple{dK, dk, add_k}, std::tuple{dV, dv, add_v}}) {
      if (!dst) continue;
      float* out = dst + bg * S * D;
      for (int64_t s = 0; s < S; ++s)
        for (int64_t d = 0; d < D; ++d) out[s * D + d] = add ? out[s * D + d] + acc[s * Dp + d] : acc[s * Dp + d];
    }
  }
}

}  // namespace lmf::kernels
