#include "data/pipeline/words.h"

#define XXH_INLINE_ALL  // the same hashes, without a library call per word
#include <xxhash.h>

#include <string>

#include "data/pipeline/byte_masks.h"

namespace lmf::data::pipeline {

namespace {

// ASCII whitespace and punctuation (isspace / ispunct in the C locale): word separators.
uint64_t separators(const Block64& b) {
  return b.space() | b.in_range('!', '/') | b.in_range(':', '@') | b.in_range('[', '`') | b.in_range('{', '~');
}

// The hash of one word (its bytes already lower-cased). A word longer than 256 bytes has
// its 256-byte pieces folded into `seed` in turn and the rest hashed on its own; the seed
// runs on from one long word of the text to the next (as it always has: trained
// classifiers' features depend on it).
uint64_t word_hash(const char* w, size_t len, uint64_t& seed) {
  constexpr size_t kPiece = 256;
  if (len <= kPiece) return XXH3_64bits(w, len);
  const size_t full = (len - 1) / kPiece;  // pieces folded before the last, which holds 1..256 bytes
  for (size_t k = 0; k < full; ++k) seed = XXH3_64bits_withSeed(w + k * kPiece, kPiece, seed);
  return seed ^ XXH3_64bits(w + full * kPiece, len - full * kPiece);
}

}  // namespace

void word_hashes(std::string_view text, std::vector<uint64_t>& out) {
  out.clear();
  thread_local std::string low;  // text with ASCII letters lower-cased
  low.resize(text.size());
  for (size_t i = 0; i < text.size(); ++i) {
    const unsigned char u = (unsigned char)text[i];
    low[i] = (u >= 'A' && u <= 'Z') ? char(u + 32) : char(u);
  }
  uint64_t seed = 0;  // of the long words' pieces
  WordEdges edges;
  const auto add_word = [&](size_t begin, size_t end) { out.push_back(word_hash(low.data() + begin, end - begin, seed)); };
  for_each_block(text, ' ', [&](size_t off, const Block64& b, uint64_t) { edges.block(off, separators(b), add_word); });
  edges.finish(text.size(), add_word);
}

}  // namespace lmf::data::pipeline
