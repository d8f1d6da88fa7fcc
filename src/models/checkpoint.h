// Model directories in the Hugging Face layout:
//   config.json             HF field names, model_type gpt2 | llama
//   model.safetensors       HF tensor names; GPT-2 Conv1D weights stored [in, out];
//                           lm_head.weight absent when tied
//   generation_config.json  bos/eos ids
//   tokenizer.json          copied in by the commands that know the tokenizer
// Loading validates every tensor (present, shape as the config implies) and names the
// file and tensor on any mismatch. Saving writes each file atomically.
#pragma once
#include <string>

#include "models/transformer.h"

namespace lmf {

Transformer load_model(const std::string& dir);
// Loads weights from `path` (a model.safetensors) into an existing model of the right config.
void load_weights(Transformer& model, const std::string& path);
void save_model(const Transformer& model, const std::string& dir);

}  // namespace lmf
