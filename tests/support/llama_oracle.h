// Test support: llama.cpp as the oracle for GGUF files. tests/reference/llama_oracle.c is
// compiled with cc against the libllama/libggml that npm @node-llama-cpp/linux-x64 ships
// (headers taken from node-llama-cpp's source bundle) into a cached folder, and run on
// files the tests write (1 thread, flash attention off, F32 KV cache).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lmf::test {

struct LlamaRun {
  std::vector<int> tokens;        // llama.cpp's ids for the prompt
  std::vector<float> logits;      // at the prompt's last position
  std::vector<int> continuation;  // greedy ids
  std::vector<float> margins;     // top-1 minus top-2 logit at each greedy step
};

// Tokenizes `prompt` with the file's vocabulary, decodes it and continues greedily.
LlamaRun llama_run(const std::string& gguf, const std::string& prompt, int n_predict);
// llama.cpp's ids for `text` (no BOS/EOS, special tokens as text).
std::vector<int> llama_tokenize(const std::string& gguf, const std::string& text);
// ggml's own GGUF reader on `path`: {"version", "alignment", "kv": [{"key", "type", "value"}],
// "tensors": [{"name", "type", "ne", "offset", "hex"}]} (see tests/reference/llama_oracle.c).
nlohmann::json ggml_read_gguf(const std::string& path);
// ggml's bytes for fp32 rows of `row` values each (row = 8 blocks of `type`).
std::vector<uint8_t> ggml_quantize(const std::string& type, const std::vector<float>& x);
// llama.cpp's model quantizer (llama_model_quantize, default parameters) writes `in` as
// `ftype` (q8_0, q4_0, q5_0, q4_k_m, q6_k) to `out`; "f32" dequantizes every quantized
// tensor with ggml's own code.
void llama_quantize_model(const std::string& ftype, const std::string& in, const std::string& out);

}  // namespace lmf::test
