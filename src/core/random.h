// Counter-based random numbers (Philox4x32-10, Salmon et al. 2011). The value at
// (seed, index) does not depend on what was drawn before or on how work is split
// across threads, so dropout masks and initialisations are reproducible bit for bit.
#pragma once
#include <cmath>
#include <cstdint>

namespace lmf {

struct Philox {
  // Four 32-bit random words for counter `ctr` under key `seed`.
  static inline void block(uint64_t seed, uint64_t ctr, uint32_t out[4]) {
    uint32_t c0 = uint32_t(ctr), c1 = uint32_t(ctr >> 32), c2 = 0, c3 = 0;
    uint32_t k0 = uint32_t(seed), k1 = uint32_t(seed >> 32);
    for (int r = 0; r < 10; ++r) {
      uint64_t p0 = uint64_t(0xD2511F53u) * c0;
      uint64_t p1 = uint64_t(0xCD9E8D57u) * c2;
      uint32_t n0 = uint32_t(p1 >> 32) ^ c1 ^ k0;
      uint32_t n2 = uint32_t(p0 >> 32) ^ c3 ^ k1;
      c1 = uint32_t(p1);
      c3 = uint32_t(p0);
      c0 = n0;
      c2 = n2;
      k0 += 0x9E3779B9u;
      k1 += 0xBB67AE85u;
    }
    out[0] = c0; out[1] = c1; out[2] = c2; out[3] = c3;
  }
  // Uniform float in [0, 1) from 24 random bits.
  static inline float uniform(uint32_t bits) { return float(bits >> 8) * (1.0f / 16777216.0f); }
  // Uniform in [0, 1) for element i of stream (seed).
  static inline float uniform_at(uint64_t seed, uint64_t i) {
    uint32_t r[4];
    block(seed, i >> 2, r);
    return uniform(r[i & 3]);
  }
  // Standard normal for element i (Box-Muller on the block's words).
  static inline float normal_at(uint64_t seed, uint64_t i) {
    uint32_t r[4];
    block(seed, i >> 1, r);
    int j = int(i & 1);
    float u1 = (float(r[0] >> 8) + 1.0f) * (1.0f / 16777217.0f);  // (0, 1]
    float u2 = uniform(r[1]);
    float rad = std::sqrt(-2.0f * std::log(u1));
    float th = 6.2831853071795864f * u2;
    return j ? rad * std::sin(th) : rad * std::cos(th);
  }
};

// splitmix64 (Steele, Lea and Flood 2014): a small sequential generator whose numbers are the
// same on every platform — for data generators that draw one number after another.
struct SplitMix64 {
  uint64_t s;
  uint64_t next() {
    uint64_t z = (s += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
  }
  int64_t below(int64_t n) { return int64_t(next() % uint64_t(n)); }  // [0, n)
  double uniform() { return double(next() >> 11) * 0x1.0p-53; }       // [0, 1)
};

}  // namespace lmf
