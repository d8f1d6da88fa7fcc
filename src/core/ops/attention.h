// Scaled dot-product attention, fused and tiled (flash-attention style), with backward.
//
//   attention(q, k, v, opt):  q (B, Hq, T, D), k and v (B, Hkv, S, D), Hq % Hkv == 0
//     y[b,h,t] = Σ_s softmax_s(scale · q[b,h,t]·k[b,g,s] + mask[t,s]) · v[b,g,s],  g = h / (Hq/Hkv)
//
// Options: `causal` lets query t see keys s ≤ t + S − T (queries aligned to the end of the
// keys, as when decoding with a KV cache; causal needs T ≤ S so every query sees a key);
// `mask` is an additive (T, S) or (B, 1, T, S) tensor, or undefined; `scale` 0 means
// 1/√D. Grouped-query heads: query head h reads kv head h / (Hq/Hkv) (Hugging Face's
// repeat_kv order); Hq == Hkv is ordinary multi-head attention.
//
// Layout: q, k, v may have any strides with a unit stride in the last dim (others are made
// contiguous first), so (B,H,T,D) views of (B,T,H,D) projections are read in place. The
// result is a (B, Hq, T, D) view of (B, T, Hq, D) memory, so
// y.transpose(1, 2).reshape({B, T, Hq·D}) is free.
//
// Promises: no T×S matrix is ever materialised. The forward pass walks 64-query × 64-key
// tiles with an online softmax and keeps only the per-row log-sum-exp (B, Hq, T) for
// backward; backward recomputes each probability tile from it and produces dQ, dK, dV
// (each only when its input requires grad). Forward work is split over (batch, head,
// query tile), backward over (batch, kv head), each task owned by one thread with a fixed
// summation order, so results are bit-identical run to run at any thread count. The mask
// takes no gradient (an error if it requires one). All scratch comes from the caching
// allocator, so repeated calls with the same shapes make no system allocation.
#pragma once
#include "core/tensor.h"

namespace lmf {

struct AttentionOptions {
  bool causal = false;
  Tensor mask;         // additive, (T, S) or (B, 1, T, S); undefined for none
  float scale = 0.0f;  // 0 -> 1/sqrt(D)
};

Tensor attention(const Tensor& q, const Tensor& k, const Tensor& v, const AttentionOptions& opt = {});

}  // namespace lmf
