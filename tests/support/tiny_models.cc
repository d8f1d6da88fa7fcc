#include "support/tiny_models.h"

namespace lmf::test {

nlohmann::json tiny_gpt2_config(const TinyGpt2& s) {
  return {{"model_type", "gpt2"}, {"vocab_size", s.vocab}, {"n_positions", s.positions}, {"n_embd", s.width},
          {"n_layer", 2},         {"n_head", 3},           {"layer_norm_epsilon", 1e-5}};
}

nlohmann::json tiny_llama_config(const TinyLlama& s) {
  return {{"model_type", "llama"},       {"vocab_size", s.vocab},   {"hidden_size", s.width},
          {"intermediate_size", s.mlp},  {"num_hidden_layers", 2},  {"num_attention_heads", 6},
          {"num_key_value_heads", 2},    {"rms_norm_eps", 1e-6},    {"rope_theta", 10000.0},
          {"max_position_embeddings", s.positions}, {"tie_word_embeddings", s.tied}};
}

}  // namespace lmf::test
