#include "eval/py_random.h"

#include <cmath>
#include <unordered_set>

#include "core/error.h"

namespace lmf::eval {

void PyRandom::init_genrand(uint32_t s) {
  mt_[0] = s;
  for (mti_ = 1; mti_ < 624; ++mti_) mt_[mti_] = 1812433253u * (mt_[mti_ - 1] ^ (mt_[mti_ - 1] >> 30)) + uint32_t(mti_);
}

PyRandom::PyRandom(uint64_t seed) {
  // The key: the seed's 32-bit words, least significant first ([0] for 0).
  std::vector<uint32_t> key;
  for (uint64_t s = seed; s; s >>= 32) key.push_back(uint32_t(s));
  if (key.empty()) key.push_back(0);
  init_genrand(19650218u);
  size_t i = 1, j = 0;
  const size_t n = 624, klen = key.size();
  for (size_t k = n > klen ? n : klen; k; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1664525u)) + key[j] + uint32_t(j);
    ++i, ++j;
    if (i >= n) mt_[0] = mt_[n - 1], i = 1;
    if (j >= klen) j = 0;
  }
  for (size_t k = n - 1; k; --k) {
    mt_[i] = (mt_[i] ^ ((mt_[i - 1] ^ (mt_[i - 1] >> 30)) * 1566083941u)) - uint32_t(i);
    ++i;
    if (i >= n) mt_[0] = mt_[n - 1], i = 1;
  }
  mt_[0] = 0x80000000u;
  mti_ = 624;
}

uint32_t PyRandom::next_u32() {
  static constexpr uint32_t kMag[2] = {0u, 0x9908b0dfu};
  if (mti_ >= 624) {
    int kk = 0;
    for (; kk < 624 - 397; ++kk) {
      const uint32_t y = (mt_[kk] & 0x80000000u) | (mt_[kk + 1] & 0x7fffffffu);
      mt_[kk] = mt_[kk + 397] ^ (y >> 1) ^ kMag[y & 1u];
    }
    for (; kk < 623; ++kk) {
      const uint32_t y = (mt_[kk] & 0x80000000u) | (mt_[kk + 1] & 0x7fffffffu);
      mt_[kk] = mt_[kk + (397 - 624)] ^ (y >> 1) ^ kMag[y & 1u];
    }
    const uint32_t y = (mt_[623] & 0x80000000u) | (mt_[0] & 0x7fffffffu);
    mt_[623] = mt_[396] ^ (y >> 1) ^ kMag[y & 1u];
    mti_ = 0;
  }
  uint32_t y = mt_[mti_++];
  y ^= y >> 11;
  y ^= (y << 7) & 0x9d2c5680u;
  y ^= (y << 15) & 0xefc60000u;
  y ^= y >> 18;
  return y;
}

uint32_t PyRandom::getrandbits(int k) {
  if (k <= 0) return 0;
  if (k > 32) throw Error("PyRandom::getrandbits: at most 32 bits");
  return next_u32() >> (32 - k);
}

uint64_t PyRandom::randbelow(uint64_t n) {
  if (n == 0 || n > 0xffffffffull) throw Error("PyRandom::randbelow: n out of range");
  int k = 0;
  while ((n >> k) != 0) ++k;  // n.bit_length()
  uint64_t r = getrandbits(k);
  while (r >= n) r = getrandbits(k);
  return r;
}

double PyRandom::random() {
  const uint32_t a = next_u32() >> 5, b = next_u32() >> 6;
  return (double(a) * 67108864.0 + double(b)) * (1.0 / 9007199254740992.0);
}

std::vector<int64_t> PyRandom::sample(int64_t n, int64_t k) {
  if (k < 0 || k > n) throw Error("sample larger than population or is negative");
  std::vector<int64_t> result(static_cast<size_t>(k), 0);
  int64_t setsize = 21;
  if (k > 5) setsize += int64_t(std::pow(4.0, std::ceil(std::log(double(k * 3)) / std::log(4.0))));
  if (n <= setsize) {
    std::vector<int64_t> pool(static_cast<size_t>(n));
    for (int64_t i = 0; i < n; ++i) pool[size_t(i)] = i;
    for (int64_t i = 0; i < k; ++i) {
      const int64_t j = int64_t(randbelow(uint64_t(n - i)));
      result[size_t(i)] = pool[size_t(j)];
      pool[size_t(j)] = pool[size_t(n - i - 1)];
    }
  } else {
    std::unordered_set<int64_t> selected;
    for (int64_t i = 0; i < k; ++i) {
      int64_t j = int64_t(randbelow(uint64_t(n)));
      while (selected.count(j)) j = int64_t(randbelow(uint64_t(n)));
      selected.insert(j);
      result[size_t(i)] = j;
    }
  }
  return result;
}

std::vector<int64_t> PyRandom::choices(int64_t n, int64_t k) {
  std::vector<int64_t> out(static_cast<size_t>(k));
  const double dn = double(n);
  for (auto& x : out) x = int64_t(std::floor(random() * dn));
  return out;
}

}  // namespace lmf::eval
