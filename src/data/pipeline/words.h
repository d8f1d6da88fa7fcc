// The word view of text shared by the n-gram stages (dedup, decontaminate, classify): ASCII
// letters lower-cased, ASCII punctuation and whitespace separate words, other bytes (UTF-8
// letters) are part of words. Each word is given as its 64-bit xxh3 hash; a word longer
// than 256 bytes: its 256-byte pieces folded in turn into a seed (xxh3 with seed), xor the
// hash of the last piece, where the seed starts at 0 for the text and runs on from one long
// word to the next.
#pragma once
#include <cstdint>
#include <string_view>
#include <vector>

namespace lmf::data::pipeline {

// Appends the hashes of the words of `text` to `out` (cleared first).
void word_hashes(std::string_view text, std::vector<uint64_t>& out);

// Hash of the n words starting at `words` (order-sensitive).
inline uint64_t ngram_hash(const uint64_t* words, int n) {
  uint64_t x = 0x9E3779B97F4A7C15ull ^ uint64_t(n);
  for (int k = 0; k < n; ++k) {
    x ^= words[k] + 0x9E3779B97F4A7C15ull + (x << 6) + (x >> 2);
    x *= 0xBF58476D1CE4E5B9ull;
  }
  return x ^ (x >> 31);
}

}  // namespace lmf::data::pipeline
