// Rows of fp32 to and from the ggml types lmforge reads and writes (F32, F16, BF16, Q8_0,
// Q4_0, Q5_0, Q4_K, Q5_K, Q6_K), exactly as ggml's reference conversions define them (see
// half.h, q8_0.h, q4_0.h, q5_0.h, k_quants.h).
#pragma once
#include <cstdint>
#include <string>

#include "core/quant/ggml_type.h"

namespace lmf::quant {

// Whether quantize_row / dequantize_row handle `t`.
bool can_convert(GgmlType t);
// Bytes that n values of type t take (n a multiple of the block size).
int64_t row_bytes(GgmlType t, int64_t n);
// x (n fp32) → out (row_bytes(t, n) bytes). lmf::Error when t is not handled or n is not a
// multiple of t's block size.
void quantize_row(GgmlType t, const float* x, void* out, int64_t n);
// in (row_bytes(t, n) bytes) → y (n fp32). Same errors.
void dequantize_row(GgmlType t, const void* in, float* y, int64_t n);

}  // namespace lmf::quant
