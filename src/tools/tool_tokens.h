// The tool-call tags as tokens of a model: `<tool_call>`, `</tool_call>`, `<tool_response>`
// and `</tool_response>` (tool_call.h) become special (added) tokens of the model's
// tokenizer when it lacks them, and the model's embedding — and its LM head when untied —
// grows to match, as Hugging Face's
//
//   tokenizer.add_special_tokens({"additional_special_tokens": [...]})
//   model.resize_token_embeddings(len(tokenizer))        # mean_resizing=True
//
// does (models/resize_embeddings.h for the new rows). Each missing tag gets the next id
// past the tokenizer's largest (tokenizer.json `added_tokens` entry with "special": true,
// "normalized": false); the model's vocabulary becomes max(its vocab_size, one past the
// largest tag id) — a model whose vocabulary already covers the new ids keeps its rows.
//
// The chat template (infer/chat_template.h) then encodes the tags in messages as these
// single tokens, in training and at run time alike, and decoding gives the tag text back,
// so the tool loop reads calls as before. `lmforge finetune --tools` runs this before
// training (docs/tools.md).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lmf::tools {

struct ToolTokensResult {
  int64_t added = 0;                    // tags added to the tokenizer (0 when it had all four)
  int64_t old_vocab = 0, new_vocab = 0;  // the model's vocab_size before and after
};

// Reads the model directory `model_dir` (config.json, model.safetensors, tokenizer.json)
// and writes to `out_dir` (which may be `model_dir`) the model with the tags added:
// config.json (vocab_size), model.safetensors, generation_config.json, tokenizer.json
// (the input's JSON with the added_tokens appended), and tokenizer_config.json copied when
// present. Every file is written atomically. Error when `model_dir` has no tokenizer.json
// (a GGUF file is refused: convert it to a directory first) or a tag is a regular token.
ToolTokensResult add_tool_tokens(const std::string& model_dir, const std::string& out_dir, uint64_t seed);

// The tokenizer.json text `json` with `tags` appended to added_tokens as special tokens,
// ids from `first_id` on (the part of add_tool_tokens that touches the tokenizer).
std::string with_added_special_tokens(const std::string& json, const std::vector<std::string>& tags, int64_t first_id);

}  // namespace lmf::tools
