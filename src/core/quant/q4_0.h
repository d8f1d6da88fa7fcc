// Q4_0, ggml's 4-bit block format: blocks of 32 values, each an fp16 scale d followed by
// 16 bytes; byte j holds the quant of value j in its low nibble and of value j + 16 in its
// high nibble, with x ≈ d·(q − 8).
//   quantize (ggml's reference, quantize_row_q4_0_ref): m = the value of largest magnitude
//   (the first one on a tie), d = m / −8, q = min(15, trunc(x · (1/d) + 8.5)) (d = 0 gives
//   1/d = 0, so q = 8); d is stored as fp16.
//   dequantize: x = fp16(d) · (q − 8).
// n (the row length) must be a multiple of 32.
#pragma once
#include <cstdint>

namespace lmf::quant {

constexpr int64_t kQ4_0Block = 32;
constexpr int64_t kQ4_0Bytes = 2 + 16;

void quantize_q4_0(const float* x, uint8_t* out, int64_t n);
void dequantize_q4_0(const uint8_t* in, float* y, int64_t n);

}  // namespace lmf::quant
