// F16 and BF16 rows as ggml stores them: IEEE binary16 and the top half of an fp32, both
// rounded to nearest even (ggml's GGML_FP32_TO_FP16 with F16C, GGML_FP32_TO_BF16).
#pragma once
#include <cstdint>

namespace lmf::quant {

void f32_to_f16_row(const float* x, uint16_t* y, int64_t n);
void f16_to_f32_row(const uint16_t* x, float* y, int64_t n);
void f32_to_bf16_row(const float* x, uint16_t* y, int64_t n);
void bf16_to_f32_row(const uint16_t* x, float* y, int64_t n);

}  // namespace lmf::quant
