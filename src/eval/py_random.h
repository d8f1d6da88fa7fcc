// PyRandom: CPython's `random.Random` for an integer seed, bit for bit — the Mersenne
// Twister (MT19937) seeded with init_by_array over the seed's 32-bit words, getrandbits,
// _randbelow (rejection over bit_length bits), random() (53 bits from two draws),
// sample() (CPython 3.11's pool / set algorithm) and choices() without weights.
//
// lm-evaluation-harness draws its few-shot examples with random.Random(seed).sample and
// bootstraps standard errors with random.Random(i).choices; reproducing those draws here
// is what makes lmforge's prompts and bootstrap errors equal the harness's.
#pragma once
#include <array>
#include <cstdint>
#include <vector>

namespace lmf::eval {

class PyRandom {
 public:
  explicit PyRandom(uint64_t seed);

  uint32_t next_u32();               // genrand_uint32
  uint32_t getrandbits(int k);       // 0 <= k <= 32
  uint64_t randbelow(uint64_t n);    // uniform in [0, n), n >= 1 and n < 2^32
  double random();                   // uniform in [0, 1), 53 bits
  // Indices into a population of n of random.sample(population, k), in draw order.
  std::vector<int64_t> sample(int64_t n, int64_t k);
  // Indices of random.choices(population of n, k=k).
  std::vector<int64_t> choices(int64_t n, int64_t k);

 private:
  std::array<uint32_t, 624> mt_{};
  int mti_ = 625;
  void init_genrand(uint32_t s);
};

}  // namespace lmf::eval
