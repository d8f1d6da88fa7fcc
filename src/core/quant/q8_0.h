// Q8_0, ggml's 8-bit block format: blocks of 32 values, each an fp16 scale d followed by
// 32 int8 quants q, with x ≈ d·q.
//   quantize (ggml's reference, quantize_row_q8_0_ref): d = max|x| / 127, q = round(x / d)
//   (round half away from zero, computed as x · (1/d); d = 0 gives q = 0); d is stored as fp16.
//   dequantize: x = fp16(d) · q.
// n (the row length) must be a multiple of 32.
#pragma once
#include <cstdint>

namespace lmf::quant {

constexpr int64_t kQ8_0Block = 32;
constexpr int64_t kQ8_0Bytes = 2 + 32;

void quantize_q8_0(const float* x, uint8_t* out, int64_t n);
void dequantize_q8_0(const uint8_t* in, float* y, int64_t n);

}  // namespace lmf::quant
