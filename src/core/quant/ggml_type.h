// GgmlType: the tensor element types of ggml and GGUF files (the numbering of ggml.h's
// enum ggml_type), each with its block size (elements per block) and block size in bytes.
// A row of a tensor of a block type holds ne[0] / block_size blocks, so ne[0] must be a
// multiple of the block size.
#pragma once
#include <cstdint>
#include <optional>
#include <string>

namespace lmf::quant {

enum class GgmlType : uint32_t {
  F32 = 0, F16 = 1, Q4_0 = 2, Q4_1 = 3, Q5_0 = 6, Q5_1 = 7, Q8_0 = 8, Q8_1 = 9,
  Q2_K = 10, Q3_K = 11, Q4_K = 12, Q5_K = 13, Q6_K = 14, Q8_K = 15,
  IQ2_XXS = 16, IQ2_XS = 17, IQ3_XXS = 18, IQ1_S = 19, IQ4_NL = 20, IQ3_S = 21, IQ2_S = 22, IQ4_XS = 23,
  I8 = 24, I16 = 25, I32 = 26, I64 = 27, F64 = 28, IQ1_M = 29, BF16 = 30, TQ1_0 = 34, TQ2_0 = 35,
};

struct GgmlTypeInfo {
  const char* name;     // as ggml names it: "f32", "q8_0", "q4_K", ...
  int64_t block_size;   // elements per block (1 for plain types)
  int64_t block_bytes;  // bytes per block
};

// The layout of a type ggml defines, or nullopt for a number that is no (known) type.
std::optional<GgmlTypeInfo> ggml_type_info(uint32_t type);
// ggml's name of the type ("f32", "q4_0"); "type N" for an unknown number.
std::string ggml_type_name(uint32_t type);
inline std::string ggml_type_name(GgmlType t) { return ggml_type_name(uint32_t(t)); }

}  // namespace lmf::quant
