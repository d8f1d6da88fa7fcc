// Byte-class bit masks of 64-byte blocks, for the scans of the text stages (word splitting,
// line and punctuation searches): bit i of a mask says whether byte i of the block is in the
// class. AVX2 where the build has it, SSE2 otherwise, plain loops elsewhere; all give the
// same bits.
//
// Blocks are read 64 bytes at a time: for_each_block() hands the last, shorter block over
// as a copy padded with a chosen byte, so a scan never reads past the text.
#pragma once
#include <cstdint>
#include <cstring>
#include <string_view>

#if defined(__AVX2__) || defined(__SSE2__)
#include <immintrin.h>
#endif

namespace lmf::data::pipeline {

// 64 bytes loaded once, tested against byte classes.
class Block64 {
 public:
  explicit Block64(const char* p) {
#if defined(__AVX2__)
    v_[0] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p));
    v_[1] = _mm256_loadu_si256(reinterpret_cast<const __m256i*>(p + 32));
#elif defined(__SSE2__)
    for (int k = 0; k < 4; ++k) v_[k] = _mm_loadu_si128(reinterpret_cast<const __m128i*>(p + 16 * k));
#else
    std::memcpy(b_, p, 64);
#endif
  }

  // Bytes equal to c.
  uint64_t eq(char c) const {
#if defined(__AVX2__)
    const __m256i k = _mm256_set1_epi8(c);
    return join(_mm256_cmpeq_epi8(v_[0], k), _mm256_cmpeq_epi8(v_[1], k));
#elif defined(__SSE2__)
    const __m128i k = _mm_set1_epi8(c);
    return join(_mm_cmpeq_epi8(v_[0], k), _mm_cmpeq_epi8(v_[1], k), _mm_cmpeq_epi8(v_[2], k), _mm_cmpeq_epi8(v_[3], k));
#else
    uint64_t m = 0;
    for (int i = 0; i < 64; ++i) m |= uint64_t(b_[i] == c) << i;
    return m;
#endif
  }

  // Bytes in lo..hi (as unsigned bytes; hi - lo < 255).
  uint64_t in_range(unsigned char lo, unsigned char hi) const {
    const char off = char(lo + 128), lim = char(hi - lo + 1 - 128);  // b - lo in 0..hi-lo, shifted to signed
#if defined(__AVX2__)
    const __m256i o = _mm256_set1_epi8(off), l = _mm256_set1_epi8(lim);
    return join(_mm256_cmpgt_epi8(l, _mm256_sub_epi8(v_[0], o)), _mm256_cmpgt_epi8(l, _mm256_sub_epi8(v_[1], o)));
#elif defined(__SSE2__)
    const __m128i o = _mm_set1_epi8(off), l = _mm_set1_epi8(lim);
    auto f = [&](__m128i v) { return _mm_cmplt_epi8(_mm_sub_epi8(v, o), l); };
    return join(f(v_[0]), f(v_[1]), f(v_[2]), f(v_[3]));
#else
    uint64_t m = 0;
    for (int i = 0; i < 64; ++i) m |= uint64_t((unsigned char)b_[i] >= lo && (unsigned char)b_[i] <= hi) << i;
    return m;
#endif
  }

  // The block with bit 0x20 set in every byte: ASCII letters lower-cased (other bytes change
  // too; compare the result with lower-case letters only).
  Block64 folded() const {
    Block64 r = *this;
#if defined(__AVX2__)
    const __m256i k = _mm256_set1_epi8(0x20);
    for (auto& v : r.v_) v = _mm256_or_si256(v, k);
#elif defined(__SSE2__)
    const __m128i k = _mm_set1_epi8(0x20);
    for (auto& v : r.v_) v = _mm_or_si128(v, k);
#else
    for (auto& c : r.b_) c = char(c | 0x20);
#endif
    return r;
  }

  // ASCII white space: ' ', '\t', '\n', '\v', '\f', '\r' (std::isspace in the C locale).
  uint64_t space() const {
#if defined(__AVX2__)
    // c - 9 in 0..4 (signed: c - 9 - 128 < -123), or c == ' '.
    const __m256i off = _mm256_set1_epi8(char(9 + 128)), lim = _mm256_set1_epi8(char(-123)), sp = _mm256_set1_epi8(' ');
    auto f = [&](__m256i v) {
      return _mm256_or_si256(_mm256_cmpgt_epi8(lim, _mm256_sub_epi8(v, off)), _mm256_cmpeq_epi8(v, sp));
    };
    return join(f(v_[0]), f(v_[1]));
#elif defined(__SSE2__)
    const __m128i off = _mm_set1_epi8(char(9 + 128)), lim = _mm_set1_epi8(char(-123)), sp = _mm_set1_epi8(' ');
    auto f = [&](__m128i v) { return _mm_or_si128(_mm_cmplt_epi8(_mm_sub_epi8(v, off), lim), _mm_cmpeq_epi8(v, sp)); };
    return join(f(v_[0]), f(v_[1]), f(v_[2]), f(v_[3]));
#else
    uint64_t m = 0;
    for (int i = 0; i < 64; ++i) {
      const unsigned char c = (unsigned char)b_[i];
      m |= uint64_t(c == ' ' || (c >= 9 && c <= 13)) << i;
    }
    return m;
#endif
  }

  // Bytes >= 0x80 (parts of multi-byte UTF-8 characters).
  uint64_t high() const {
#if defined(__AVX2__)
    return join(v_[0], v_[1]);
#elif defined(__SSE2__)
    return join(v_[0], v_[1], v_[2], v_[3]);
#else
    uint64_t m = 0;
    for (int i = 0; i < 64; ++i) m |= uint64_t((unsigned char)b_[i] >= 0x80) << i;
    return m;
#endif
  }

  // UTF-8 continuation bytes 0x80..0xBF.
  uint64_t continuation() const {
#if defined(__AVX2__)
    const __m256i lim = _mm256_set1_epi8(char(0xC0));  // -64: continuation bytes are -128..-65
    return join(_mm256_cmpgt_epi8(lim, v_[0]), _mm256_cmpgt_epi8(lim, v_[1]));
#elif defined(__SSE2__)
    const __m128i lim = _mm_set1_epi8(char(0xC0));
    return join(_mm_cmplt_epi8(v_[0], lim), _mm_cmplt_epi8(v_[1], lim), _mm_cmplt_epi8(v_[2], lim),
                _mm_cmplt_epi8(v_[3], lim));
#else
    uint64_t m = 0;
    for (int i = 0; i < 64; ++i) m |= uint64_t(((unsigned char)b_[i] & 0xC0) == 0x80) << i;
    return m;
#endif
  }

 private:
#if defined(__AVX2__)
  static uint64_t join(__m256i lo, __m256i hi) {
    return uint64_t(uint32_t(_mm256_movemask_epi8(lo))) | uint64_t(uint32_t(_mm256_movemask_epi8(hi))) << 32;
  }
  __m256i v_[2];
#elif defined(__SSE2__)
  static uint64_t join(__m128i a, __m128i b, __m128i c, __m128i d) {
    return uint64_t(uint32_t(_mm_movemask_epi8(a))) | uint64_t(uint32_t(_mm_movemask_epi8(b))) << 16 |
           uint64_t(uint32_t(_mm_movemask_epi8(c))) << 32 | uint64_t(uint32_t(_mm_movemask_epi8(d))) << 48;
  }
  __m128i v_[4];
#else
  char b_[64];
#endif
};

// Calls f(offset, block, valid) for each 64-byte block of s in order; valid masks the bits
// of bytes inside s (all ones but for the last block, which is a copy padded with `pad`).
template <class F>
void for_each_block(std::string_view s, char pad, F&& f) {
  size_t off = 0;
  for (; off + 64 <= s.size(); off += 64) f(off, Block64(s.data() + off), ~uint64_t(0));
  if (off < s.size()) {
    char tail[64];
    std::memset(tail, pad, 64);
    std::memcpy(tail, s.data() + off, s.size() - off);
    f(off, Block64(tail), (uint64_t(1) << (s.size() - off)) - 1);
  }
}

// Words (maximal runs of non-separator bytes) found block by block: block() takes each
// block's separator mask in order and calls on_word(begin, end) for every word that ends
// in it; finish() reports a word that runs to the end of the text (size % 64 == 0, as a
// padded last block ends with separators).
class WordEdges {
 public:
  template <class F>
  void block(size_t off, uint64_t sep, F&& on_word) {
    const uint64_t word = ~sep;
    const uint64_t starts = word & (sep << 1 | prev_sep_);
    const uint64_t ends = sep & (word << 1 | (prev_sep_ ^ 1));
    prev_sep_ = sep >> 63;
    size_t begin = begin_;  // a local: on_word's stores cannot alias it
    for (uint64_t ev = starts | ends; ev; ev &= ev - 1) {
      const int bit = __builtin_ctzll(ev);
      if (starts >> bit & 1) begin = off + size_t(bit);
      else on_word(begin, off + size_t(bit));
    }
    begin_ = begin;
  }
  template <class F>
  void finish(size_t size, F&& on_word) {
    if (!prev_sep_) on_word(begin_, size);
  }

 private:
  size_t begin_ = 0;
  uint64_t prev_sep_ = 1;  // the byte before the block separates (bit 0 of the shifted masks)
};

// Whether `needle` (not empty) occurs in `hay`: candidates where both its first and its last
// byte match, 64 positions at a time, then compared whole; memmem for the last positions.
inline bool contains(std::string_view hay, std::string_view needle) {
  const size_t n = needle.size();
  if (n == 0) return true;
  if (hay.size() < n) return false;
  size_t i = 0;
  for (; i + n - 1 + 64 <= hay.size(); i += 64) {
    uint64_t m = Block64(hay.data() + i).eq(needle[0]) & Block64(hay.data() + i + n - 1).eq(needle[n - 1]);
    for (; m; m &= m - 1)
      if (std::memcmp(hay.data() + i + size_t(__builtin_ctzll(m)), needle.data(), n) == 0) return true;
  }
  return ::memmem(hay.data() + i, hay.size() - i, needle.data(), n) != nullptr;
}

}  // namespace lmf::data::pipeline
