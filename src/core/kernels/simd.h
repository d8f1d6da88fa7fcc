// The float vector of the build's widest SIMD unit, as a GCC vector extension, for kernels
// that need explicit register blocking (the compiler's auto-vectoriser cannot choose
// register tiles). kWidth floats: 16 with AVX-512, 8 with AVX, 4 otherwise (SSE2 is part of
// x86-64). Arithmetic on vf is element-wise; a·b + c compiles to FMA where the ISA has it.
#pragma once

namespace lmf::simd {

#if defined(__AVX512F__)
constexpr int kWidth = 16;
#elif defined(__AVX__)
constexpr int kWidth = 8;
#else
constexpr int kWidth = 4;
#endif

typedef float vf __attribute__((vector_size(kWidth * sizeof(float))));

// Unaligned load and store (memcpy of a vector compiles to one vmovups).
inline vf load(const float* p) {
  vf v;
  __builtin_memcpy(&v, p, sizeof v);
  return v;
}
inline void store(float* p, vf v) { __builtin_memcpy(p, &v, sizeof v); }
// Every lane = x: one vbroadcastss (x − 0 folds to x for every x, −0 included; x + 0 does not).
inline vf splat(float x) { return x - vf{}; }

}  // namespace lmf::simd
