// Element types and devices a tensor's storage can hold. Ops compute in fp32 today; the
// storage already records dtype and device so bf16/int8 storage and a second device
// (e.g. CUDA) can be added by teaching kernels new cases, not by changing tensors.
#pragma once
#include <cstddef>
#include <cstdint>
#include <string>

namespace lmf {

enum class DType : uint8_t { F32, BF16, F16, I32, I64, U16, U8, I8 };

inline size_t dtype_size(DType t) {
  switch (t) {
    case DType::F32: case DType::I32: return 4;
    case DType::BF16: case DType::F16: case DType::U16: return 2;
    case DType::I64: return 8;
    case DType::U8: case DType::I8: return 1;
  }
  return 0;
}

inline const char* dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "f32";
    case DType::BF16: return "bf16";
    case DType::F16: return "f16";
    case DType::I32: return "i32";
    case DType::I64: return "i64";
    case DType::U16: return "u16";
    case DType::U8: return "u8";
    case DType::I8: return "i8";
  }
  return "?";
}

enum class Device : uint8_t { CPU };

inline const char* device_name(Device d) { return d == Device::CPU ? "cpu" : "?"; }

// Conversions for 16-bit float storage (round-to-nearest-even for bf16).
inline float bf16_to_f32(uint16_t h) {
  uint32_t u = uint32_t(h) << 16;
  float f;
  __builtin_memcpy(&f, &u, 4);
  return f;
}
inline uint16_t f32_to_bf16(float f) {
  uint32_t u;
  __builtin_memcpy(&u, &f, 4);
  if ((u & 0x7fffffff) > 0x7f800000) return uint16_t((u >> 16) | 0x40);  // quiet NaN
  u += 0x7fff + ((u >> 16) & 1);
  return uint16_t(u >> 16);
}
inline float f16_to_f32(uint16_t h) {
  _Float16 f;
  __builtin_memcpy(&f, &h, 2);
  return float(f);
}
inline uint16_t f32_to_f16(float f) {
  _Float16 h = _Float16(f);
  uint16_t u;
  __builtin_memcpy(&u, &h, 2);
  return u;
}

}  // namespace lmf
