// Model directories in the Hugging Face layout:
//   config.json             HF field names, model_type gpt2 | llama
//   model.safetensors       HF tensor names; GPT-2 Conv1D weights stored [in, out];
//                           lm_head.weight absent when tied
//   generation_config.json  bos/eos ids (generation stops at eos_token_id); nothing else,
//                           since sampling settings come from the command line
//   tokenizer.json          copied in by the commands that know the tokenizer
// Loading validates every tensor (present, shape as the config implies) and names the
// file and tensor on any mismatch. Saving writes each file atomically.
#pragma once
#include <set>
#include <string>

#include "io/safetensors.h"
#include "models/transformer.h"
#include "tokenizer/tokenizer.h"

namespace lmf {

// FormatError naming `dir` when it does not exist, is not a model directory, or its
// config.json or weights are broken. A path ending in .gguf is read as a GGUF file
// instead (models/gguf_import.h: weights converted to fp32).
Transformer load_model(const std::string& dir);
// The tokenizer of a model: `given` when not empty (a tokenizer.json, a directory,
// tiktoken:NAME or a .gguf file), else the model's own: DIR/tokenizer.json (FormatError
// when there is none), or the GGUF file itself.
std::string model_tokenizer_spec(const std::string& model_dir, const std::string& given);
// Loads a tokenizer SPEC as model_tokenizer_spec returns it: a .gguf file's tokenizer
// metadata (models/gguf_import.h), else tok::Tokenizer::load(spec).
tok::Tokenizer load_tokenizer(const std::string& spec);
// Loads weights from `path` (a model.safetensors) into an existing model of the right config.
void load_weights(Transformer& model, const std::string& path);
void save_model(const Transformer& model, const std::string& dir);

// The pieces of load_weights, for files that hold a decoder with more (a classifier's head):
// copies every parameter of `model` from `f` (HF names, also GPT-2's without the
// "transformer." prefix; Conv1D weights transposed), checking each shape, and adds the
// file's names it used to `used`. FormatError naming `path` and the tensor otherwise.
void read_params(Transformer& model, const io::SafetensorsFile& f, const std::string& path, std::set<std::string>& used);
// Buffers some GPT-2 checkpoints carry that are not parameters (attention masks, RoPE tables).
bool is_ignored_buffer(const std::string& name);

}  // namespace lmf
