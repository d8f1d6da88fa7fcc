// KVCache: per-layer key and value buffers for incremental decoding. Keys are stored after
// RoPE, so each step only computes attention for its new tokens against the cached past.
//   k[l], v[l] are (B, Hkv, max_len, D); positions [0, len) are filled, the rest is
//   uninitialised and never read. With prompt or prefix tuning the first `reserved`
//   entries hold the virtual tokens / the prefix, and the tokens follow them.
#pragma once
#include <vector>

#include "core/tensor.h"

namespace lmf {

struct KVCache {
  std::vector<Tensor> k, v;
  int64_t len = 0;       // entries already filled
  int64_t max_len = 0;   // capacity
  int64_t reserved = 0;  // leading entries that are not tokens (prompt / prefix tuning)

  KVCache() = default;
  KVCache(int64_t n_layer, int64_t batch, int64_t n_kv_head, int64_t max_len, int64_t head_dim) : max_len(max_len) {
    for (int64_t l = 0; l < n_layer; ++l) {
      k.push_back(Tensor::empty({batch, n_kv_head, max_len, head_dim}));
      v.push_back(Tensor::empty({batch, n_kv_head, max_len, head_dim}));
    }
  }
  int64_t tokens() const { return len - reserved; }  // tokens cached
  void clear() { len = reserved = 0; }
};

}  // namespace lmf
