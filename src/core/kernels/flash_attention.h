// Fused, tiled scaled dot-product attention on the CPU (flash-attention style): the kernel
// under the attention op (core/ops/attention.h), which checks shapes, picks layouts and
// records the backward pass.
//
//   forward:  y[b,t,h,:] = Σ_s softmax_s(scale · q[b,h,t]·k[b,g,s] + mask[t,s]) · v[b,g,s]
//             lse[b,h,t] = the row's log-sum-exp,   g = h / (Hq/Hkv)
//   backward: dq, dk, dv [+]= the gradients of y, recomputing each probability tile from lse
//
// Promises:
//  - No T×S matrix is materialised: 64-query × 64-key tiles with an online softmax.
//  - Forward splits work over (batch, head, query tile), backward over (batch, kv head);
//    each task is owned by one thread with a fixed summation order, so results are
//    bit-identical run to run at any thread count.
//  - Scratch comes from the caching allocator (core/allocator.h): repeated calls with the
//    same sizes make no system allocation.
//  - Knows nothing of tensors or autograd; operands are raw strided rows.
#pragma once
#include <algorithm>
#include <cstdint>

namespace lmf::kernels {

// n rounded up to a multiple of 16 (the tile GEMM's column block).
inline int64_t round16(int64_t n) { return (n + 15) / 16 * 16; }

// A (B, H, N, D) operand with unit stride in D: row (b, h, n) starts at p + b·sb + h·sh + n·sn.
struct AttentionRows {
  const float* p;
  int64_t sb, sh, sn;
  const float* row(int64_t b, int64_t h, int64_t n) const { return p + b * sb + h * sh + n * sn; }
};

// Sizes and options shared by forward and backward. Hq % Hkv == 0, D > 0, and T <= S when
// causal (queries aligned to the end of the keys).
struct AttentionGeometry {
  int64_t B, Hq, Hkv, T, S, D;
  int64_t Dp, Sp;  // round16(D), round16(S): padded tile widths
  float scale;
  bool causal;
  const float* mask;     // additive (T, S) rows, or null
  int64_t mask_bstride;  // 0 for a (T, S) mask, T·S for (B, 1, T, S)

  int64_t rep() const { return Hq / Hkv; }
  // Query t sees keys [0, visible(t)).
  int64_t visible(int64_t t) const { return causal ? t + S - T + 1 : S; }
  // Keys of the tile starting at s0 that query t sees (a prefix of the tile).
  int visible_in_tile(int64_t t, int64_t s0, int64_t nb) const {
    return int(std::clamp<int64_t>(std::min(visible(t), S) - s0, 0, nb));
  }
  const float* mask_row(int64_t b, int64_t t, int64_t s0) const {
    return mask ? mask + b * mask_bstride + t * S + s0 : nullptr;
  }
};

// q (B, Hq, T, D), k and v (B, Hkv, S, D) → y written as contiguous (B, T, Hq, D) memory,
// lse (B, Hq, T) contiguous. Needs T·S·B·Hq > 0.
void flash_attention_forward(const AttentionGeometry& G, const AttentionRows& q, const AttentionRows& k,
                             const AttentionRows& v, float* y, float* lse);

// o is the forward output and dy its gradient (both (B, Hq, T, D) rows), lse the forward's.
// Each of dq (B, Hq, T, D), dk and dv (B, Hkv, S, D), all contiguous, is skipped when null,
// else stored (add false) or added to (add true).
void flash_attention_backward(const AttentionGeometry& G, const AttentionRows& q, const AttentionRows& k,
                              const AttentionRows& v, const AttentionRows& o, const AttentionRows& dy,
                              const float* lse, float* dq, float* dk, float* dv, bool add_q, bool add_k, bool add_v);

}  // namespace lmf::kernels
