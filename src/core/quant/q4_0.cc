#include "core/quant/q4_0.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "core/dtype.h"

namespace lmf::quant {

void quantize_q4_0(const float* x, uint8_t* out, int64_t n) {
  for (int64_t b = 0; b < n / kQ4_0Block; ++b, x += kQ4_0Block, out += kQ4_0Bytes) {
    float amax = 0.f, m = 0.f;
    for (int j = 0; j < kQ4_0Block; ++j)
      if (std::fabs(x[j]) > amax) {
        amax = std::fabs(x[j]);
        m = x[j];
      }
    const float d = m / -8.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    const uint16_t dh = f32_to_f16(d);
    std::memcpy(out, &dh, 2);
    for (int j = 0; j < kQ4_0Block / 2; ++j) {
      // The conversion to int8 truncates toward zero, as ggml's does.
      const int lo = std::min(15, int(int8_t(x[j] * id + 8.5f)));
      const int hi = std::min(15, int(int8_t(x[j + kQ4_0Block / 2] * id + 8.5f)));
      out[2 + j] = uint8_t(lo | (hi << 4));
    }
  }
}

void dequantize_q4_0(const uint8_t* in, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kQ4_0Block; ++b, in += kQ4_0Bytes, y += kQ4_0Block) {
    uint16_t dh;
    std::memcpy(&dh, in, 2);
    const float d = f16_to_f32(dh);
    for (int j = 0; j < kQ4_0Block / 2; ++j) {
      y[j] = float(int(in[2 + j] & 0x0f) - 8) * d;
      y[j + kQ4_0Block / 2] = float(int(in[2 + j] >> 4) - 8) * d;
    }
  }
}

}  // namespace lmf::quant
