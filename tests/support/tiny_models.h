// Test support: the tiny GPT-2 and Llama configs (Hugging Face config.json fields) that the
// model, PEFT, packing, DPO, reward-model and pretraining tests build. The same JSON goes to
// the PyTorch reference (tests/reference/models.py), so both sides build the same model.
// Each family has one shape; a test changes only the sizes it needs (vocabulary, width,
// MLP width, positions), named at the call: tiny_gpt2_config({.positions = 64}).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>

namespace lmf::test {

// GPT-2: 2 layers, 3 heads, LayerNorm eps 1e-5, tied embeddings.
struct TinyGpt2 {
  int64_t vocab = 61, width = 24, positions = 32;
};
nlohmann::json tiny_gpt2_config(const TinyGpt2& size = {});

// Llama: 2 layers, 6 query heads sharing 2 key/value heads (grouped-query attention),
// RMSNorm eps 1e-6, RoPE theta 10000, lm_head untied unless `tied`.
struct TinyLlama {
  int64_t vocab = 53, width = 24, mlp = 40, positions = 64;
  bool tied = false;
};
nlohmann::json tiny_llama_config(const TinyLlama& size = {});

}  // namespace lmf::test
