// ModelConfig: the architecture of a decoder-only Transformer, read from and written to a
// Hugging Face config.json (`model_type` "gpt2" or "llama", HF field names), plus named
// presets from tiny (tests) to GPT-2 124M.
//
// One config covers both families:
//   gpt2  — learned absolute positions, LayerNorm, tanh-GELU MLP, biases, tied embeddings
//   llama — RoPE (HF rotate-half), RMSNorm, SwiGLU MLP, no biases, grouped-query attention,
//           optionally untied lm_head
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lmf {

enum class Arch { GPT2, Llama };

struct ModelConfig {
  Arch arch = Arch::GPT2;
  int64_t vocab_size = 50257;
  int64_t n_positions = 1024;  // max sequence length (gpt2: n_positions, llama: max_position_embeddings)
  int64_t n_embd = 768;        // hidden size C
  int64_t n_layer = 12;
  int64_t n_head = 12;
  int64_t n_kv_head = 12;      // llama num_key_value_heads; equals n_head for gpt2
  int64_t n_inner = 0;         // MLP width; 0 = 4*C for gpt2 (llama requires intermediate_size)
  float norm_eps = 1e-5f;      // gpt2 layer_norm_epsilon, llama rms_norm_eps
  float rope_theta = 10000.f;
  bool tie_word_embeddings = true;
  int64_t bos_token_id = -1, eos_token_id = -1;
  float dropout = 0.f;         // resid/attn/embd dropout during training (0 = off)

  int64_t head_dim() const { return n_embd / n_head; }
  int64_t mlp_dim() const { return n_inner > 0 ? n_inner : 4 * n_embd; }
  const char* model_type() const { return arch == Arch::GPT2 ? "gpt2" : "llama"; }

  // Throws lmf::FormatError naming `source` and the field on a missing or invalid field.
  static ModelConfig from_json(const nlohmann::json& j, const std::string& source);
  static ModelConfig load(const std::string& path);  // a config.json file
  nlohmann::json to_json() const;
  // Presets: "tiny-gpt2", "tiny-llama", "shakespeare" (nanoGPT char model shape),
  // "gpt2-small" (124M), "llama-small". vocab_size is set by the caller from the data.
  static ModelConfig preset(const std::string& name);
  static std::vector<std::string> preset_names();
  // ShapeError-free sanity checks (heads divide width, etc.); throws lmf::Error.
  void validate(const std::string& source) const;
  int64_t num_parameters() const;
};

}  // namespace lmf
