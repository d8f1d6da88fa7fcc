// A GGUF file (architectures `llama` and `gpt2`, as llama.cpp reads them) as a decoder and
// a tokenizer: the inverse of gguf_export.h, for files written by lmforge or by llama.cpp.
//
// Model: the ModelConfig comes from the architecture's metadata keys (embedding_length,
// block_count, feed_forward_length, attention.head_count(_kv), context_length,
// vocab_size or else the token list's length, the norm epsilon, rope.freq_base); the head
// is tied when there is no `output` tensor. Every tensor is converted to fp32 on load
// (F32, F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K, Q5_K, Q6_K); Llama's q and k rows go back from
// llama.cpp's interleaved RoPE pairs to Hugging Face's rotate-half layout. What lmforge
// cannot run is refused by name: another architecture, a RoPE scaling, a partial rotary
// dimension, a missing or misshapen tensor, a tensor the model has no place for.
//
// Tokenizer: tokenizer.ggml.model "gpt2" (byte-level BPE) with tokens, token_type
// (normal tokens form the vocabulary; control tokens are special tokens, user-defined
// ones added tokens; unused ids are left out) and merges; tokenizer.ggml.pre picks the
// pretokenizer: "gpt-2" (GPT-2's pattern), "llama-bpe" (cl100k's, with whole-word
// lookups first, as llama.cpp does), "gpt-4o" (o200k's) and "default" (llama.cpp's four
// default regexes in sequence); any other value is refused naming it.
// Errors are FormatError naming the file and the key or tensor.
#pragma once
#include <string>

#include "io/gguf.h"
#include "models/transformer.h"
#include "tokenizer/tokenizer.h"

namespace lmf {

// Whether `path` names a GGUF file (it ends in ".gguf").
bool is_gguf_path(const std::string& path);
ModelConfig gguf_model_config(const io::GgufFile& f);
Transformer load_gguf_model(const std::string& path);
tok::Tokenizer gguf_tokenizer(const io::GgufFile& f);
tok::Tokenizer load_gguf_tokenizer(const std::string& path);
// tokenizer.chat_template, or "" when the file has none.
std::string gguf_chat_template(const std::string& path);

}  // namespace lmf
