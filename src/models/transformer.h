// Transformer: the decoder-only language model behind every lmforge command, covering
// GPT-2 and Llama through ModelConfig. Parameters are leaf tensors named with their
// Hugging Face names (GPT2LMHeadModel / LlamaForCausalLM); inside, every projection is
// stored (out, in) as torch.nn.Linear does — GPT-2's Conv1D [in, out] layout is applied
// only when reading or writing model.safetensors (models/checkpoint.h).
//
// Shapes: ids (B, T) int32 → logits (B, T, V). C = n_embd, H = n_head, Hkv = n_kv_head,
// D = C / H.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"
#include "models/kv_cache.h"
#include "models/config.h"

namespace lmf {

struct Param {
  std::string name;     // Hugging Face name, e.g. "transformer.h.0.attn.c_attn.weight"
  Tensor value;         // internal layout
  bool conv1d = false;  // stored transposed ([in, out]) in GPT-2 checkpoints
};

// The points where a parameter-efficient fine-tuning method (src/finetune/) changes the
// forward pass. Every default leaves the model exactly as it is; a Transformer without
// hooks never calls them.
class ForwardHooks {
 public:
  virtual ~ForwardHooks() = default;
  // y = x·Wᵀ + b of projection `site` (an index into Transformer::projections());
  // x (B, T, in), y (B, T, out). Returns y or y plus an update (LoRA).
  virtual Tensor projection(int64_t site, const Tensor& x, const Tensor& y) { return y; }
  // y (B, T, C): the output of layer `layer`'s attention (part 0) or MLP (part 1), before
  // the residual add (Houlsby adapters).
  virtual Tensor sublayer(int64_t layer, int part, const Tensor& y) { return y; }
  // Token embeddings x (B, T, C) → (B, P + T, C) with P virtual tokens in front (prompt
  // tuning). The model drops the P positions again before the final norm.
  virtual int64_t virtual_tokens() const { return 0; }
  virtual Tensor input_embeddings(const Tensor& x) { return x; }
  // Keys and values (B, Hkv, P, D) that act as P earlier positions in layer `layer`
  // (prefix tuning, like a KV cache that the sequence follows); undefined for none.
  virtual int64_t prefix_length() const { return 0; }
  virtual void prefix_kv(int64_t layer, int64_t batch, Tensor& k, Tensor& v) {}
};

// A projection (nn.Linear or GPT-2 Conv1D) of the model, named as the HF module.
struct Projection {
  std::string module;  // e.g. "transformer.h.0.attn.c_attn", "model.layers.1.mlp.up_proj"
  int64_t layer = 0;
  int64_t in = 0, out = 0;
  bool conv1d = false;
  Tensor weight, bias;  // weight (out, in); bias undefined when absent
};

// What a forward pass records when ForwardOptions::trace is set (the explanations of
// eval/explain.h read it): cleared, then filled; the tensors stay in the autograd graph.
// Positions are those the layers see (prompt tuning's virtual tokens included).
struct ForwardTrace {
  // L + 1 residual streams (B, T, C): after the embeddings, then after each layer (the
  // last one before the final norm).
  std::vector<Tensor> residuals;
  // Per layer, as the attention reads them (after RoPE, cache and prefix keys included):
  // queries (B, H, T, D), keys (B, Hkv, S, D).
  std::vector<Tensor> queries, keys;
};

struct ForwardOptions {
  KVCache* cache = nullptr;  // when set: positions start at cache->len, and the cache grows by T
  // Packed examples (Hugging Face's position_ids with packing): I32 (B, T), each example's
  // positions restart at 0. A position 0 starts a new example; attention never crosses
  // into an earlier example (block-diagonal causal mask), and position embeddings / RoPE
  // use these positions. Undefined: positions 0..T-1. Not with a cache or prompt tuning.
  Tensor position_ids;
  // Batched decoding of sequences at different positions: ids (B, 1), row b is the next
  // token of the sequence held in rows[b] (a cache of batch 1, already prefilled); it is
  // placed at position rows[b]->len, joins that cache and attends over it alone. Each row
  // runs the ops a batch of one runs, so its values do not depend on the other rows
  // (infer/decode_steps.h). Not with `cache` or position_ids.
  std::vector<KVCache*> rows;
  bool training = false;     // enables dropout (config.dropout > 0)
  uint64_t dropout_seed = 0; // distinct per step for distinct masks
  // (B, T, C): used in place of the token embedding rows of ids (Hugging Face's
  // inputs_embeds; GPT-2 still adds its position embeddings); ids still give B and T.
  // Undefined: the rows of ids. Gradients reach it like any input.
  Tensor inputs_embeds;
  ForwardTrace* trace = nullptr;  // when set, filled as ForwardTrace says
};

class Transformer {
 public:
  explicit Transformer(const ModelConfig& cfg);  // allocates parameters (uninitialised)
  // GPT-2 initialisation: N(0, 0.02) weights, residual output projections N(0, 0.02/√(2L)),
  // zero biases, unit norms. Deterministic in `seed`.
  void init_weights(uint64_t seed);

  const ModelConfig& config() const { return cfg_; }
  std::vector<Param>& params() { return params_; }
  const std::vector<Param>& params() const { return params_; }
  Tensor& param(const std::string& name);
  int64_t num_parameters() const;
  void set_requires_grad(bool on);
  void set_dropout(float p);  // Error unless 0 <= p < 1

  // ids (B, T) I32 → logits (B, T, V).
  Tensor forward(const Tensor& ids, const ForwardOptions& opt = {});
  // Final hidden states (B, T, C) after the last norm (before the LM head).
  Tensor hidden(const Tensor& ids, const ForwardOptions& opt = {});
  // Mean next-token cross-entropy of logits(ids) against targets (B, T) (ignore_index -100).
  Tensor loss(const Tensor& ids, const Tensor& targets, const ForwardOptions& opt = {});
  Tensor lm_head(const Tensor& h);  // (…, C) → (…, V)
  Tensor final_norm(const Tensor& x);  // (…, C) → (…, C): the norm before the LM head
  Tensor embed_tokens(const Tensor& ids);  // ids I32 (B, T) → token embedding rows (B, T, C)

  KVCache make_cache(int64_t batch, int64_t max_len) const;
  // Cache entries and positions taken by the hooks before the tokens (prompt tuning's
  // virtual tokens, prefix tuning's prefix); 0 without hooks.
  int64_t reserved_positions() const;

  // Every projection in forward order (layer by layer); their indices are the hook sites.
  const std::vector<Projection>& projections() const { return projections_; }
  // Hooks used by every later forward pass (nullptr: none); the caller keeps them alive.
  // With a KV cache, prompt tuning's virtual tokens and prefix tuning's keys/values are
  // its first entries (written when the cache is empty, counted in cache.reserved).
  void set_hooks(ForwardHooks* hooks) { hooks_ = hooks; }
  ForwardHooks* hooks() const { return hooks_; }

 private:
  struct Layer {
    // gpt2: ln_1 (w,b), c_attn (w (3C, C), b), c_proj (w, b), ln_2, c_fc, mlp c_proj
    // llama: input_layernorm, q/k/v/o_proj, post_attention_layernorm, gate/up/down_proj
    // (the projections live in projections_)
    Tensor norm1_w, norm1_b, norm2_w, norm2_b;
    // projection sites (indices into projections_), -1 where the family has none
    int64_t s_qkv = -1, s_q = -1, s_k = -1, s_v = -1, s_o = -1, s_fc = -1, s_proj = -1, s_gate = -1, s_up = -1,
            s_down = -1;
  };
  Tensor add_param(const std::string& name, const Shape& shape, bool conv1d = false);
  // Adds `module`.weight (out, in) and, when `bias`, `module`.bias; returns the site.
  int64_t add_projection(const std::string& module, int64_t layer, int64_t out, int64_t in, bool bias, bool conv1d);
  Tensor project(int64_t site, const Tensor& x);  // linear + the projection hook
  // pos: the first position; pos_ids / mask: per-token positions and the (B, 1, T, S)
  // mask of packed examples (undefined otherwise).
  Tensor attention_block(Layer& L, int64_t li, const Tensor& h, int64_t pos, const Tensor& pos_ids,
                         const Tensor& mask, const ForwardOptions& opt);
  void write_prefix_to_cache(KVCache& c, int64_t batch);
  // q (B, H, 1, D), k, v (B, Hkv, 1, D) of ForwardOptions::rows → (B, H, 1, D), row b over cache b.
  Tensor attend_rows(int64_t li, Tensor q, Tensor k, Tensor v, const std::vector<KVCache*>& rows);
  Tensor mlp_block(Layer& L, int64_t li, const Tensor& h);
  Tensor norm(const Tensor& x, const Tensor& w, const Tensor& b);
  Tensor embedding_input(const Tensor& ids, const Tensor& inputs_embeds);  // (B, T, C) per ForwardOptions
  Tensor maybe_dropout(const Tensor& x, const ForwardOptions& opt, uint64_t site);

  ModelConfig cfg_;
  std::vector<Param> params_;
  std::vector<Layer> layers_;
  std::vector<Projection> projections_;
  ForwardHooks* hooks_ = nullptr;
  Tensor wte_, wpe_, normf_w_, normf_b_, head_w_;
};

}  // namespace lmf
