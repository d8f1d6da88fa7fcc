#include "core/quant/q5_0.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/dtype.h"

// ggml's reference quantizers are compiled without fused multiply-add: so is this file.
#pragma GCC optimize("fp-contract=off")

namespace lmf::quant {

void quantize_q5_0(const float* x, uint8_t* out, int64_t n) {
  for (int64_t b = 0; b < n / kQ5_0Block; ++b, x += kQ5_0Block, out += kQ5_0Bytes) {
    float amax = 0.f, m = 0.f;
    for (int j = 0; j < kQ5_0Block; ++j)
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        m = x[j];
      }
    const float d = m / -16.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    const uint16_t dh = f32_to_f16(d);
    std::memcpy(out, &dh, 2);
    uint32_t qh = 0;
    for (int j = 0; j < kQ5_0Block / 2; ++j) {
      // The conversion to int8 truncates toward zero, as ggml's does.
      const uint8_t lo = uint8_t(std::min(31, int(int8_t(x[j] * id + 16.5f))));
      const uint8_t hi = uint8_t(std::min(31, int(int8_t(x[j + kQ5_0Block / 2] * id + 16.5f))));
      out[6 + j] = uint8_t((lo & 0x0f) | ((hi & 0x0f) << 4));
      qh |= uint32_t((lo & 0x10) >> 4) << j;
      qh |= uint32_t((hi & 0x10) >> 4) << (j + kQ5_0Block / 2);
    }
    std::memcpy(out + 2, &qh, 4);
  }
}

void dequantize_q5_0(const uint8_t* in, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kQ5_0Block; ++b, in += kQ5_0Bytes, y += kQ5_0Block) {
    uint16_t dh;
    std::memcpy(&dh, in, 2);
    uint32_t qh;
    std::memcpy(&qh, in + 2, 4);
    const float d = f16_to_f32(dh);
    for (int j = 0; j < kQ5_0Block / 2; ++j) {
      const int h0 = int((qh >> j) << 4) & 0x10, h1 = int(qh >> (j + 12)) & 0x10;
      y[j] = float(((in[6 + j] & 0x0f) | h0) - 16) * d;
      y[j + kQ5_0Block / 2] = float(((in[6 + j] >> 4) | h1) - 16) * d;
    }
  }
}

}  // namespace lmf::quant
