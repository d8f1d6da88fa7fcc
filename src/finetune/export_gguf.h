// `lmforge export gguf`: a model directory, with a LoRA adapter merged in when given, as a
// GGUF file for llama.cpp (models/gguf_export.h), carrying the ChatML chat template.
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/quant/ggml_type.h"

namespace lmf::ft {

struct ExportGgufOptions {
  std::string model_dir;
  std::string adapter_dir;  // empty: none; else a LoRA adapter (other PEFT kinds are refused)
  std::string type = "f32";  // f32, f16, bf16, q8_0, q4_0, q5_0, q4_k_m, q6_k
  std::string out;
  std::string tokenizer;  // empty: the model's (or the adapter's) tokenizer.json; else a tokenizer spec
};

// Writes opt.out atomically; returns each tensor's name and type. The tokenizer is
// opt.tokenizer when given (tokenizer.json path or tiktoken:NAME), else the adapter's
// tokenizer.json when it has one, else the model's. lmf::Error naming the
// problem otherwise.
std::vector<std::pair<std::string, quant::GgmlType>> export_gguf(const ExportGgufOptions& opt);

}  // namespace lmf::ft
