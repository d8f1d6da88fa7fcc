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
#include "infer/kv_cache.h"
#include "models/config.h"

namespace lmf {

struct Param {
  std::string name;     // Hugging Face name, e.g. "transformer.h.0.attn.c_attn.weight"
  Tensor value;         // internal layout
  bool conv1d = false;  // stored transposed ([in, out]) in GPT-2 checkpoints
};

struct ForwardOptions {
  KVCache* cache = nullptr;  // when set: positions start at cache->len, and the cache grows by T
  bool training = false;     // enables dropout (config.dropout > 0)
  uint64_t dropout_seed = 0; // distinct per step for distinct masks
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

  KVCache make_cache(int64_t batch, int64_t max_len) const;

 private:
  struct Layer {
    // gpt2: ln_1 (w,b), c_attn (w (3C, C), b), c_proj (w, b), ln_2, c_fc, mlp c_proj
    // llama: input_layernorm, q/k/v/o_proj, post_attention_layernorm, gate/up/down_proj
    Tensor norm1_w, norm1_b, norm2_w, norm2_b;
    Tensor qkv_w, qkv_b;        // gpt2 fused
    Tensor q_w, k_w, v_w;       // llama
    Tensor o_w, o_b;
    Tensor fc_w, fc_b, proj_w, proj_b;  // gpt2 MLP
    Tensor gate_w, up_w, down_w;        // llama MLP
  };
  Tensor add_param(const std::string& name, const Shape& shape, bool conv1d = false);
  Tensor attention_block(Layer& L, int64_t li, const Tensor& h, int64_t pos, const ForwardOptions& opt);
  Tensor mlp_block(Layer& L, const Tensor& h);
  Tensor norm(const Tensor& x, const Tensor& w, const Tensor& b);
  Tensor maybe_dropout(const Tensor& x, const ForwardOptions& opt, uint64_t site);

  ModelConfig cfg_;
  std::vector<Param> params_;
  std::vector<Layer> layers_;
  Tensor wte_, wpe_, normf_w_, normf_b_, head_w_;
};

}  // namespace lmf
