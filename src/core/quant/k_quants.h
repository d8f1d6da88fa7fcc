// ggml's K-quant block formats: super-blocks of 256 values, written and read exactly as
// ggml's reference code does (quantize_row_q{4,5,6}_K_ref, no importance matrix, and
// dequantize_row_q{4,5,6}_K), so lmforge's bytes equal ggml_quantize_chunk's.
//   Q4_K (144 bytes): fp16 d, fp16 dmin, 12 bytes of 6-bit scales and mins for 8 sub-blocks
//        of 32, 128 bytes of nibbles; x ≈ d·sc·q − dmin·m, q in 0..15. Each sub-block's
//        scale and min come from a weighted least-squares search (make_qkx2_quants: weights
//        rms(x) + |x|, 20 steps of the scale around 15 / (max − min)).
//   Q5_K (176 bytes): as Q4_K with a fifth bit per value (32 bytes), q in 0..31, 15 steps.
//   Q6_K (210 bytes): 128 bytes of low nibbles, 64 of high 2 bits, 16 int8 scales for
//        sub-blocks of 16, fp16 d last; x ≈ d·sc·(q − 32), scales from make_qx_quants
//        (a search over 18 scales around −32 / (value of largest magnitude)).
// n (the row length) must be a multiple of 256. The arithmetic follows ggml's operation by
// operation; this file is compiled without floating-point contraction so that no fused
// multiply-add changes a rounding.
#pragma once
#include <cstdint>

namespace lmf::quant {

constexpr int64_t kQK_K = 256;
constexpr int64_t kQ4_KBytes = 2 + 2 + 12 + 128;
constexpr int64_t kQ5_KBytes = 2 + 2 + 12 + 32 + 128;
constexpr int64_t kQ6_KBytes = 128 + 64 + 16 + 2;

void quantize_q4_k(const float* x, uint8_t* out, int64_t n);
void dequantize_q4_k(const uint8_t* in, float* y, int64_t n);
void quantize_q5_k(const float* x, uint8_t* out, int64_t n);
void dequantize_q5_k(const uint8_t* in, float* y, int64_t n);
void quantize_q6_k(const float* x, uint8_t* out, int64_t n);
void dequantize_q6_k(const uint8_t* in, float* y, int64_t n);

}  // namespace lmf::quant
