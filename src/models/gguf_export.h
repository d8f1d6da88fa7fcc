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
// Types (gguf_tensor_type): as llama.cpp's quantizer assigns them for the file type.
// 1-D tensors (norms, biases) and position_embd stay F32; every other weight gets the file
// type's type, except
//   - the head (output, or token_embd when the head is tied): Q6_K for Q4_0, Q5_0, Q4_K_M
//     and Q6_K files;
//   - Q4_K_M: attn_v (llama) / attn_qkv (gpt2) and ffn_down get Q6_K in the layers where
//     llama.cpp's use_more_bits holds (i < n/8, i >= 7n/8, or (i − n/8) mod 3 = 2), Q4_K
//     elsewhere; every other weight Q4_K;
//   - a tensor whose rows are not whole blocks: Q4_K falls back to Q5_0, Q6_K to Q8_0 (the
//     head's Q6_K to Q8_0 too), and a 32-block type to F16.
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

// A whole file's type, numbered as llama.cpp's llama_ftype (general.file_type).
enum class GgufFileType : uint32_t { F32 = 0, F16 = 1, Q4_0 = 2, Q8_0 = 7, Q5_0 = 8, Q4_K_M = 15, Q6_K = 18, BF16 = 32 };

struct GgufExportOptions {
  GgufFileType type = GgufFileType::F32;
  std::string name;                             // general.name
  std::string chat_template;                    // tokenizer.chat_template (none when empty)
};

// "f32", "f16", "bf16", "q8_0", "q4_0", "q5_0", "q4_k_m", "q6_k" → the file type; lmf::Error
// naming the choices otherwise.
GgufFileType gguf_export_type(const std::string& name);
const std::vector<std::string>& gguf_export_type_names();
// Whether llama.cpp's quantizer quantizes the tensor: 2-D or more, named *weight, not a
// norm, not position_embd.
bool gguf_quantizable(const std::string& name, const std::vector<int64_t>& ne);
// The type llama.cpp's quantizer gives the tensor `name` (ne innermost first) in a file of
// type `ft` for a model of `n_layer` layers whose head is tied (no `output` tensor) or not.
// lmf::Error when the fallback would need a type lmforge does not write (Q5_1).
quant::GgmlType gguf_tensor_type(GgufFileType ft, const std::string& name, const std::vector<int64_t>& ne, bool tied,
                                 int64_t n_layer);
// `lmforge quantize`: the GGUF file `in` written again as `ft` (every tensor converted to
// fp32 and given gguf_tensor_type's type; metadata kept, general.file_type set), atomically.
// Returns each tensor's name and type.
std::vector<std::pair<std::string, quant::GgmlType>> quantize_gguf(const std::string& in, const std::string& out,
                                                                    GgufFileType ft);
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
