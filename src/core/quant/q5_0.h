// Q5_0, ggml's 5-bit block format: blocks of 32 values, each an fp16 scale d, 4 bytes of
// fifth bits (bit j for value j) and 16 bytes of nibbles (value j low, value j + 16 high),
// with x ≈ d·(q − 16).
//   quantize (ggml's reference, quantize_row_q5_0_ref): m = the value of largest magnitude
//   (the first on a tie), d = m / −16, q = min(31, trunc(x · (1/d) + 16.5)); d is stored as fp16.
//   dequantize: x = fp16(d) · (q − 16).
// n (the row length) must be a multiple of 32.
#pragma once
#include <cstdint>

namespace lmf::quant {

constexpr int64_t kQ5_0Block = 32;
constexpr int64_t kQ5_0Bytes = 2 + 4 + 16;

void quantize_q5_0(const float* x, uint8_t* out, int64_t n);
void dequantize_q5_0(const uint8_t* in, float* y, int64_t n);

}  // namespace lmf::quant
