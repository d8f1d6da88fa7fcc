#include "models/transformer.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <vector>

#include "core/autograd.h"
#include "core/ops/activation.h"
#include "core/ops/attention.h"
#include "core/ops/concat.h"
#include "core/ops/dropout.h"
#include "core/ops/elementwise.h"
#include "core/ops/embedding.h"
#include "core/ops/loss.h"
#include "core/ops/matmul.h"
#include "core/ops/norm.h"
#include "core/ops/rope.h"

namespace lmf {
namespace {

// Packed examples: position_ids (B, T) → the positions the model uses (position_ids +
// offset, I32 (B, T)) and the additive attention mask (B, 1, T, offset + T): query t sees
// the `offset` prefix columns and the keys from the start of its own example (the last
// position 0 at or before t) on; −∞ elsewhere. Causality is left to the attention.
void packed_positions(const Tensor& position_ids, int64_t offset, Tensor& pos_ids, Tensor& mask) {
  LMF_CHECK_SHAPE(position_ids.dim() == 2 && position_ids.dtype() == DType::I32, "transformer",
              "position_ids must be i32 (B, T), got " + position_ids.str());
  const int64_t B = position_ids.size(0), T = position_ids.size(1), S = offset + T;
  const Tensor p = position_ids.contiguous();
  const int32_t* in = p.data<int32_t>();
  std::vector<int32_t> shifted(size_t(B * T));
  mask = Tensor::zeros({B, 1, T, S});
  float* m = mask.f32();
  for (int64_t b = 0; b < B; ++b) {
    int64_t start = 0;
    for (int64_t t = 0; t < T; ++t) {
      const int32_t v = in[b * T + t];
      LMF_CHECK_SHAPE(v >= 0, "transformer", "position_ids[" + std::to_string(b) + ", " + std::to_string(t) + "] = " +
                                             std::to_string(v) + " is negative");
      if (v == 0) start = t;
      shifted[size_t(b * T + t)] = int32_t(offset + v);
      std::fill(m + (b * T + t) * S + offset, m + (b * T + t) * S + offset + start, -INFINITY);
    }
  }
  pos_ids = Tensor::from_ints(shifted, {B, T});
}

}  // namespace

Tensor Transformer::add_param(const std::string& name, const Shape& shape, bool conv1d) {
  Tensor t = Tensor::empty(shape);  // filled by init_weights or a checkpoint
  t.set_requires_grad(true);
  params_.push_back({name, t, conv1d});
  return t;
}

int64_t Transformer::add_projection(const std::string& module, int64_t layer, int64_t out, int64_t in, bool bias,
                                    bool conv1d) {
  Projection p{module, layer, in, out, conv1d, add_param(module + ".weight", {out, in}, conv1d), Tensor()};
  if (bias) p.bias = add_param(module + ".bias", {out});
  projections_.push_back(p);
  return int64_t(projections_.size()) - 1;
}

Tensor Transformer::project(int64_t site, const Tensor& x) {
  const Projection& p = projections_[size_t(site)];
  Tensor y = linear(x, p.weight, p.bias);
  return hooks_ ? hooks_->projection(site, x, y) : y;
}

Transformer::Transformer(const ModelConfig& cfg) : cfg_(cfg) {
  cfg_.validate("model config");
  const int64_t C = cfg.n_embd, D = cfg.head_dim(), H = cfg.n_head, Hkv = cfg.n_kv_head, F = cfg.mlp_dim(),
                V = cfg.vocab_size;
  const bool gpt2 = cfg.arch == Arch::GPT2;
  layers_.resize(size_t(cfg.n_layer));
  if (gpt2) {
    wte_ = add_param("transformer.wte.weight", {V, C});
    wpe_ = add_param("transformer.wpe.weight", {cfg.n_positions, C});
    for (int64_t i = 0; i < cfg.n_layer; ++i) {
      std::string p = "transformer.h." + std::to_string(i) + ".";
      Layer& L = layers_[size_t(i)];
      L.norm1_w = add_param(p + "ln_1.weight", {C});
      L.norm1_b = add_param(p + "ln_1.bias", {C});
      L.s_qkv = add_projection(p + "attn.c_attn", i, 3 * C, C, true, true);
      L.s_o = add_projection(p + "attn.c_proj", i, C, C, true, true);
      L.norm2_w = add_param(p + "ln_2.weight", {C});
      L.norm2_b = add_param(p + "ln_2.bias", {C});
      L.s_fc = add_projection(p + "mlp.c_fc", i, F, C, true, true);
      L.s_proj = add_projection(p + "mlp.c_proj", i, C, F, true, true);
    }
    normf_w_ = add_param("transformer.ln_f.weight", {C});
    normf_b_ = add_param("transformer.ln_f.bias", {C});
  } else {
    wte_ = add_param("model.embed_tokens.weight", {V, C});
    for (int64_t i = 0; i < cfg.n_layer; ++i) {
      std::string p = "model.layers." + std::to_string(i) + ".";
      Layer& L = layers_[size_t(i)];
      L.norm1_w = add_param(p + "input_layernorm.weight", {C});
      L.s_q = add_projection(p + "self_attn.q_proj", i, H * D, C, false, false);
      L.s_k = add_projection(p + "self_attn.k_proj", i, Hkv * D, C, false, false);
      L.s_v = add_projection(p + "self_attn.v_proj", i, Hkv * D, C, false, false);
      L.s_o = add_projection(p + "self_attn.o_proj", i, C, H * D, false, false);
      L.norm2_w = add_param(p + "post_attention_layernorm.weight", {C});
      L.s_gate = add_projection(p + "mlp.gate_proj", i, F, C, false, false);
      L.s_up = add_projection(p + "mlp.up_proj", i, F, C, false, false);
      L.s_down = add_projection(p + "mlp.down_proj", i, C, F, false, false);
    }
    normf_w_ = add_param("model.norm.weight", {C});
  }
  head_w_ = cfg.tie_word_embeddings ? wte_ : add_param("lm_head.weight", {V, C});
}

void Transformer::init_weights(uint64_t seed) {
  const float std = 0.02f, resid_std = 0.02f / std::sqrt(2.0f * float(cfg_.n_layer));
  uint64_t k = 0;
  for (Param& p : params_) {
    const std::string& n = p.name;
    auto ends = [&](const char* s) { return n.size() >= std::strlen(s) && n.compare(n.size() - std::strlen(s), std::string::npos, s) == 0; };
    Tensor init;
    if (ends("bias")) {
      init = Tensor::zeros(p.value.shape());
    } else if (p.value.dim() == 1) {  // norm weights
      init = Tensor::full(p.value.shape(), 1.0f);
    } else {
      bool resid = ends("attn.c_proj.weight") || ends("mlp.c_proj.weight") || ends("o_proj.weight") ||
                   ends("down_proj.weight");
      init = Tensor::randn(p.value.shape(), seed * 1000003ull + (++k), resid ? resid_std : std);
    }
    p.value.copy_from(init);
  }
}

Tensor& Transformer::param(const std::string& name) {
  for (Param& p : params_)
    if (p.name == name) return p.value;
  throw Error("model has no parameter named '" + name + "'");
}

int64_t Transformer::num_parameters() const {
  int64_t n = 0;
  for (const Param& p : params_) n += p.value.numel();
  return n;
}

void Transformer::set_requires_grad(bool on) {
  for (Param& p : params_) p.value.set_requires_grad(on);
}

void Transformer::set_dropout(float p) {
  ModelConfig c = cfg_;
  c.dropout = p;
  c.validate("dropout");
  cfg_ = c;
}

KVCache Transformer::make_cache(int64_t batch, int64_t max_len) const {
  return KVCache(cfg_.n_layer, batch, cfg_.n_kv_head, max_len, cfg_.head_dim());
}

int64_t Transformer::reserved_positions() const {
  return hooks_ ? hooks_->virtual_tokens() + hooks_->prefix_length() : 0;
}

// Prefix tuning with a cache: every layer's P prefix keys/values become entries [0, P).
void Transformer::write_prefix_to_cache(KVCache& c, int64_t batch) {
  const int64_t P = hooks_->prefix_length();
  LMF_CHECK_SHAPE(P < c.max_len, "transformer", "KV cache of " + std::to_string(c.max_len) +
                                                " positions cannot take a prefix of " + std::to_string(P));
  for (size_t li = 0; li < layers_.size(); ++li) {
    Tensor pk, pv;  // (B, Hkv, P, D)
    hooks_->prefix_kv(int64_t(li), batch, pk, pv);
    c.k[li].slice(2, 0, P).copy_from(pk);
    c.v[li].slice(2, 0, P).copy_from(pv);
  }
  c.len = c.reserved = P;
}

Tensor Transformer::norm(const Tensor& x, const Tensor& w, const Tensor& b) {
  return cfg_.arch == Arch::GPT2 ? layer_norm(x, w, b, cfg_.norm_eps) : rms_norm(x, w, cfg_.norm_eps);
}

Tensor Transformer::maybe_dropout(const Tensor& x, const ForwardOptions& opt, uint64_t site) {
  if (!opt.training || cfg_.dropout <= 0.f) return x;
  return dropout(x, cfg_.dropout, opt.dropout_seed * 0x9E3779B97F4A7C15ull + site);
}

// h (B, T, C) → attention output (B, T, C). Writes this step's keys/values to the cache.
Tensor Transformer::attention_block(Layer& L, int64_t li, const Tensor& h, int64_t pos, const Tensor& pos_ids,
                                    const Tensor& mask, const ForwardOptions& opt) {
  const int64_t B = h.size(0), T = h.size(1), C = cfg_.n_embd, H = cfg_.n_head, Hkv = cfg_.n_kv_head,
                D = cfg_.head_dim();
  Tensor q, k, v;  // (B, H, T, D) / (B, Hkv, T, D), strided views
  if (cfg_.arch == Arch::GPT2) {
    Tensor qkv = project(L.s_qkv, h).reshape({B, T, 3 * H, D});  // (B, T, 3H, D)
    q = qkv.slice(2, 0, H).transpose(1, 2);
    k = qkv.slice(2, H, 2 * H).transpose(1, 2);
    v = qkv.slice(2, 2 * H, 3 * H).transpose(1, 2);
  } else {
    q = project(L.s_q, h).reshape({B, T, H, D}).transpose(1, 2);
    k = project(L.s_k, h).reshape({B, T, Hkv, D}).transpose(1, 2);
    if (opt.rows.empty()) {  // rows: each at its own position (attend_rows)
      q = pos_ids.defined() ? rope(q, pos_ids, cfg_.rope_theta) : rope(q, pos, cfg_.rope_theta);
      k = pos_ids.defined() ? rope(k, pos_ids, cfg_.rope_theta) : rope(k, pos, cfg_.rope_theta);
    }
    v = project(L.s_v, h).reshape({B, T, Hkv, D}).transpose(1, 2);
  }
  if (!opt.rows.empty()) {
    Tensor y = attend_rows(li, q, k, v, opt.rows);  // (B, H, 1, D)
    Tensor out = project(L.s_o, y.transpose(1, 2).reshape({B, T, C}));
    return hooks_ ? hooks_->sublayer(li, 0, out) : out;
  }
  if (opt.cache) {
    KVCache& c = *opt.cache;
    LMF_CHECK_SHAPE(pos + T <= c.max_len, "attention", "KV cache of " + std::to_string(c.max_len) +
                                                       " positions cannot take " + std::to_string(pos + T));
    c.k[size_t(li)].slice(2, pos, pos + T).copy_from(k);
    c.v[size_t(li)].slice(2, pos, pos + T).copy_from(v);
    k = c.k[size_t(li)].slice(2, 0, pos + T);
    v = c.v[size_t(li)].slice(2, 0, pos + T);
  } else if (hooks_ && hooks_->prefix_length() > 0) {  // prefix keys/values (B, Hkv, P, D) come first
    // (with a cache they are its first entries)
    Tensor pk, pv;
    hooks_->prefix_kv(li, B, pk, pv);
    k = concat({pk, k}, 2);
    v = concat({pv, v}, 2);
  }
  if (opt.trace) {
    opt.trace->queries.push_back(q);
    opt.trace->keys.push_back(k);
  }
  AttentionOptions ao;
  ao.causal = true;
  ao.mask = mask;
  Tensor y = attention(q, k, v, ao);            // (B, H, T, D) over (B, T, H, D) memory
  Tensor merged = y.transpose(1, 2).reshape({B, T, C});
  Tensor out = project(L.s_o, merged);
  return hooks_ ? hooks_->sublayer(li, 0, out) : out;
}

Tensor Transformer::attend_rows(int64_t li, Tensor q, Tensor k, Tensor v, const std::vector<KVCache*>& rows) {
  std::vector<Tensor> ys;
  for (size_t b = 0; b < rows.size(); ++b) {
    KVCache& c = *rows[b];
    const int64_t pos = c.len, i = int64_t(b);
    Tensor qb = q.slice(0, i, i + 1), kb = k.slice(0, i, i + 1), vb = v.slice(0, i, i + 1);  // (1, ·, 1, D)
    if (cfg_.arch != Arch::GPT2) {
      qb = rope(qb, pos, cfg_.rope_theta);
      kb = rope(kb, pos, cfg_.rope_theta);
    }
    c.k[size_t(li)].slice(2, pos, pos + 1).copy_from(kb);
    c.v[size_t(li)].slice(2, pos, pos + 1).copy_from(vb);
    AttentionOptions ao;
    ao.causal = true;
    ys.push_back(attention(qb, c.k[size_t(li)].slice(2, 0, pos + 1), c.v[size_t(li)].slice(2, 0, pos + 1), ao));
  }
  return ys.size() == 1 ? ys[0] : concat(ys, 0);
}

Tensor Transformer::mlp_block(Layer& L, int64_t li, const Tensor& h) {
  Tensor out = cfg_.arch == Arch::GPT2 ? project(L.s_proj, gelu_tanh(project(L.s_fc, h)))
                                       : project(L.s_down, swiglu(project(L.s_gate, h), project(L.s_up, h)));
  return hooks_ ? hooks_->sublayer(li, 1, out) : out;
}

Tensor Transformer::hidden(const Tensor& ids, const ForwardOptions& opt) {
  LMF_CHECK_SHAPE(ids.dim() == 2 && ids.dtype() == DType::I32, "transformer", "ids must be i32 (B, T), got " + ids.str());
  const int64_t B = ids.size(0);
  if (!opt.rows.empty()) {
    LMF_CHECK_SHAPE(ids.size(1) == 1 && B == int64_t(opt.rows.size()) && !opt.cache && !opt.position_ids.defined(),
                    "transformer", "batched decoding takes ids (B, 1) with one cache per row, got " + ids.str() +
                                       " for " + std::to_string(opt.rows.size()) + " caches");
    for (const KVCache* c : opt.rows)
      LMF_CHECK_SHAPE(c->len > 0 && c->len < c->max_len && c->k[0].size(0) == 1 &&
                          (cfg_.arch != Arch::GPT2 || c->len < cfg_.n_positions),
                      "transformer", "a decoding row needs a prefilled cache of batch 1 with room for one more token");
  }
  // Prompt tuning puts P virtual tokens before the sequence; prefix tuning places the
  // sequence after P prefix positions. With a cache both enter it once, when it is empty.
  const bool prefill = opt.rows.empty() && (!opt.cache || opt.cache->len == 0);
  const int64_t n_virtual = hooks_ && prefill ? hooks_->virtual_tokens() : 0, n_prefix = hooks_ ? hooks_->prefix_length() : 0;
  if (opt.cache && prefill && n_prefix > 0) write_prefix_to_cache(*opt.cache, B);
  const int64_t T = ids.size(1) + n_virtual;
  const int64_t pos = opt.cache ? opt.cache->len : n_prefix;
  Tensor pos_ids, mask;  // packed examples: per-token positions, block-diagonal mask
  if (opt.position_ids.defined()) {
    LMF_CHECK_SHAPE(!opt.cache && n_virtual == 0, "transformer",
                "packed examples (position_ids) run without a KV cache and without prompt tuning");
    LMF_CHECK_SHAPE(opt.position_ids.shape() == ids.shape(), "transformer",
                "position_ids " + opt.position_ids.str() + " must match ids " + ids.str());
    packed_positions(opt.position_ids, n_prefix, pos_ids, mask);
  }
  LMF_CHECK_SHAPE(cfg_.arch != Arch::GPT2 || pos + T <= cfg_.n_positions, "transformer",
              "sequence of " + std::to_string(pos + T) + " exceeds n_positions " + std::to_string(cfg_.n_positions));
  if (!opt.rows.empty()) {  // each row at its own position
    std::vector<int32_t> p;
    for (const KVCache* c : opt.rows) p.push_back(int32_t(c->len));
    pos_ids = Tensor::from_ints(p, {B, 1});
  }
  Tensor x = embedding_input(ids, opt.inputs_embeds);  // (B, T, C)
  if (n_virtual > 0) x = hooks_->input_embeddings(x);
  if (cfg_.arch == Arch::GPT2) x = add(x, pos_ids.defined() ? embedding(pos_ids, wpe_) : wpe_.slice(0, pos, pos + T));
  x = maybe_dropout(x, opt, 1);
  if (opt.trace) *opt.trace = ForwardTrace{{x}, {}, {}};
  for (size_t li = 0; li < layers_.size(); ++li) {
    Layer& L = layers_[li];
    Tensor a = attention_block(L, int64_t(li), norm(x, L.norm1_w, L.norm1_b), pos, pos_ids, mask, opt);
    x = add(x, maybe_dropout(a, opt, 2 * li + 2));
    x = add(x, maybe_dropout(mlp_block(L, int64_t(li), norm(x, L.norm2_w, L.norm2_b)), opt, 2 * li + 3));
    if (opt.trace) opt.trace->residuals.push_back(x);
  }
  for (KVCache* c : opt.rows) ++c->len;
  if (opt.cache) {
    opt.cache->len = pos + T;
    if (n_virtual > 0) opt.cache->reserved = n_virtual;
  }
  if (n_virtual > 0) x = x.slice(1, n_virtual, T);  // (B, T - P, C)
  return norm(x, normf_w_, normf_b_);
}

Tensor Transformer::lm_head(const Tensor& h) { return linear(h, head_w_); }

Tensor Transformer::final_norm(const Tensor& x) { return norm(x, normf_w_, normf_b_); }

Tensor Transformer::embed_tokens(const Tensor& ids) { return embedding(ids, wte_); }

Tensor Transformer::embedding_input(const Tensor& ids, const Tensor& inputs_embeds) {
  if (!inputs_embeds.defined()) return embedding(ids, wte_);
  LMF_CHECK_SHAPE(inputs_embeds.shape() == Shape({ids.size(0), ids.size(1), cfg_.n_embd}), "transformer",
                  "inputs_embeds " + inputs_embeds.str() + " must be (B, T, C) for ids " + ids.str() + " and C = " +
                      std::to_string(cfg_.n_embd));
  return inputs_embeds;
}

Tensor Transformer::forward(const Tensor& ids, const ForwardOptions& opt) { return lm_head(hidden(ids, opt)); }

Tensor Transformer::loss(const Tensor& ids, const Tensor& targets, const ForwardOptions& opt) {
  Tensor logits = forward(ids, opt);
  const int64_t N = ids.numel();
  return cross_entropy(logits.reshape({N, cfg_.vocab_size}), targets.reshape({N}));
}

}  // namespace lmf
