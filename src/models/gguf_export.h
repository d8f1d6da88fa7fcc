// A decoder and its tokenizer as a GGUF v3 file that llama.cpp runs (architectures `llama`
// and `gpt2`, llama.cpp's metadata keys and tensor names, as its convert_hf_to_gguf.py
// writes them).
//
// Tensors: token_embd, position_embd (gpt2), blk.N.{attn_norm, attn_q, attn_k, attn_v,
// attn_output, ffn_norm, ffn_gate, ffn_up, ffn_down} (llama), blk.N.{attn_norm, attn_qkv,
// attn_output, ffn_norm, ffn_up, ffn_down} with biases (gpt2), output_norm, output (only
// when the head is not tied: llama.cpp then reads token_embd as the head). Llama's q and k
// rows are permuted within each head from Hugging Face's rotate-half RoPE layout to the
// interleaved pairs llama.cpp rotates, as the converter does.
//
// Types: 1-D tensors (norms, biases) and position_embd stay F32; every other weight gets
// the requested type, except a tensor whose rows are not whole blocks of it, which falls
// back to F16 (as the converter does), and, for Q4_0, the output head (token_embd when the
// head is tied) which gets Q8_0 (llama.cpp's quantizer gives it Q6_K).
//
// Tokenizer: tokenizer.ggml.model "gpt2" (byte-level BPE) with tokens, token_type, merges,
// bos/eos ids, add_bos_token/add_eos_token false, and tokenizer.ggml.pre naming the
// llama.cpp pre-tokenizer that splits text as ours does (llama_cpp_pre_tokenizer).
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "core/quant/ggml_type.h"
#include "models/transformer.h"
#include "tokenizer/tokenizer.h"

namespace lmf {

struct GgufExportOptions {
  quant::GgmlType type = quant::GgmlType::F32;  // F32, F16, BF16, Q8_0 or Q4_0
  std::string name;                             // general.name
  std::string chat_template;                    // tokenizer.chat_template (none when empty)
};

// "f32", "f16", "bf16", "q8_0", "q4_0" → the type; lmf::Error naming the choices otherwise.
quant::GgmlType gguf_export_type(const std::string& name);
// The llama.cpp pre-tokenizer (tokenizer.ggml.pre) equal to the tokenizer's: "gpt-2" for
// GPT-2's pattern, "llama-bpe" for cl100k's (Llama 3's), "gpt-4o" for o200k's. lmf::Error
// naming the pattern when there is none (several patterns, another pattern, a prefix space).
std::string llama_cpp_pre_tokenizer(const tok::Tokenizer& tk);
// Writes the file atomically; returns each tensor's name and the type it was written in.
// lmf::Error when the tokenizer has more ids than the model's vocabulary or no llama.cpp
// pre-tokenizer matches.
std::vector<std::pair<std::string, quant::GgmlType>> write_gguf(const Transformer& model, const tok::Tokenizer& tk,
                                                                 const GgufExportOptions& opt, const std::string& path);

}  // namespace lmf
