#include "core/quant/convert.h"

#include <cstring>

#include "core/error.h"
#include "core/quant/half.h"
#include "core/quant/k_quants.h"
#include "core/quant/q4_0.h"
#include "core/quant/q5_0.h"
#include "core/quant/q8_0.h"

namespace lmf::quant {
namespace {

void check(GgmlType t, int64_t n, const char* what) {
  if (!can_convert(t)) throw Error(std::string(what) + ": type " + ggml_type_name(t) + " is not supported");
  const int64_t bs = ggml_type_info(uint32_t(t))->block_size;
  if (n < 0 || n % bs != 0)
    throw Error(std::string(what) + ": " + std::to_string(n) + " values are not a multiple of the " +
                ggml_type_name(t) + " block size " + std::to_string(bs));
}

}  // namespace

bool can_convert(GgmlType t) {
  return t == GgmlType::F32 || t == GgmlType::F16 || t == GgmlType::BF16 || t == GgmlType::Q8_0 ||
         t == GgmlType::Q4_0 || t == GgmlType::Q5_0 || t == GgmlType::Q4_K || t == GgmlType::Q5_K ||
         t == GgmlType::Q6_K;
}

int64_t row_bytes(GgmlType t, int64_t n) {
  auto info = ggml_type_info(uint32_t(t));
  if (!info) throw Error("row_bytes: unknown ggml type " + std::to_string(uint32_t(t)));
  return n / info->block_size * info->block_bytes;
}

void quantize_row(GgmlType t, const float* x, void* out, int64_t n) {
  check(t, n, "quantize_row");
  switch (t) {
    case GgmlType::F32: std::memcpy(out, x, size_t(n) * 4); break;
    case GgmlType::F16: f32_to_f16_row(x, static_cast<uint16_t*>(out), n); break;
    case GgmlType::BF16: f32_to_bf16_row(x, static_cast<uint16_t*>(out), n); break;
    case GgmlType::Q8_0: quantize_q8_0(x, static_cast<uint8_t*>(out), n); break;
    case GgmlType::Q4_0: quantize_q4_0(x, static_cast<uint8_t*>(out), n); break;
    case GgmlType::Q5_0: quantize_q5_0(x, static_cast<uint8_t*>(out), n); break;
    case GgmlType::Q4_K: quantize_q4_k(x, static_cast<uint8_t*>(out), n); break;
    case GgmlType::Q5_K: quantize_q5_k(x, static_cast<uint8_t*>(out), n); break;
    case GgmlType::Q6_K: quantize_q6_k(x, static_cast<uint8_t*>(out), n); break;
    default: break;
  }
}

void dequantize_row(GgmlType t, const void* in, float* y, int64_t n) {
  check(t, n, "dequantize_row");
  switch (t) {
    case GgmlType::F32: std::memcpy(y, in, size_t(n) * 4); break;
    case GgmlType::F16: f16_to_f32_row(static_cast<const uint16_t*>(in), y, n); break;
    case GgmlType::BF16: bf16_to_f32_row(static_cast<const uint16_t*>(in), y, n); break;
    case GgmlType::Q8_0: dequantize_q8_0(static_cast<const uint8_t*>(in), y, n); break;
    case GgmlType::Q4_0: dequantize_q4_0(static_cast<const uint8_t*>(in), y, n); break;
    case GgmlType::Q5_0: dequantize_q5_0(static_cast<const uint8_t*>(in), y, n); break;
    case GgmlType::Q4_K: dequantize_q4_k(static_cast<const uint8_t*>(in), y, n); break;
    case GgmlType::Q5_K: dequantize_q5_k(static_cast<const uint8_t*>(in), y, n); break;
    case GgmlType::Q6_K: dequantize_q6_k(static_cast<const uint8_t*>(in), y, n); break;
    default: break;
  }
}

}  // namespace lmf::quant
