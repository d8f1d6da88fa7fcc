#include "core/quant/q8_0.h"

#include <cmath>
#include <cstring>

#include "core/dtype.h"

namespace lmf::quant {

void quantize_q8_0(const float* x, uint8_t* out, int64_t n) {
  for (int64_t b = 0; b < n / kQ8_0Block; ++b, x += kQ8_0Block, out += kQ8_0Bytes) {
    float amax = 0.f;
    for (int j = 0; j < kQ8_0Block; ++j) amax = std::fmax(amax, std::fabs(x[j]));
    const float d = amax / 127.f;
    const float id = d != 0.f ? 1.f / d : 0.f;
    const uint16_t dh = f32_to_f16(d);
    std::memcpy(out, &dh, 2);
    for (int j = 0; j < kQ8_0Block; ++j) out[2 + j] = uint8_t(int8_t(std::round(x[j] * id)));
  }
}

void dequantize_q8_0(const uint8_t* in, float* y, int64_t n) {
  for (int64_t b = 0; b < n / kQ8_0Block; ++b, in += kQ8_0Bytes, y += kQ8_0Block) {
    uint16_t dh;
    std::memcpy(&dh, in, 2);
    const float d = f16_to_f32(dh);
    for (int j = 0; j < kQ8_0Block; ++j) y[j] = float(int8_t(in[2 + j])) * d;
  }
}

}  // namespace lmf::quant
