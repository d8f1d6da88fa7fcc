// Word cache: remembers the token ids of pretokenized pieces so that a common word costs one
// hash lookup instead of a byte-pair merge. One cache per thread and tokenizer (see
// thread_cache); it is cleared when full, so memory stays bounded (about 64 MiB).
#pragma once
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "core/token_id.h"

namespace lmf::tok {

class WordCache {
 public:
  static constexpr size_t kMaxPieceLen = 48;  // longer pieces are merged each time
  static constexpr size_t kMaxEntries = size_t(1) << 20;

  WordCache() { reset(); }

  // Appends the cached ids of piece to out and returns true, or returns false.
  bool lookup(std::string_view piece, uint64_t h, std::vector<TokenId>& out) const {
    size_t i = h & mask_;
    while (true) {
      const Slot& s = slots_[i];
      if (s.ntok == 0) return false;
      if (s.hash == h && s.len == piece.size() && std::memcmp(keys_.data() + s.key, piece.data(), piece.size()) == 0) {
        out.insert(out.end(), toks_.data() + s.tok, toks_.data() + s.tok + s.ntok);
        return true;
      }
      i = (i + 1) & mask_;
    }
  }

  void insert(std::string_view piece, uint64_t h, const TokenId* ids, size_t n) {
    if (n == 0 || n > 0xFFFF) return;
    if ((size_ + 1) * 2 > slots_.size()) {
      if (slots_.size() >= kMaxEntries * 2) reset();
      else rehash(slots_.size() * 2);
    }
    size_t i = h & mask_;
    while (slots_[i].ntok != 0) i = (i + 1) & mask_;
    slots_[i] = Slot{h, uint32_t(keys_.size()), uint32_t(toks_.size()), uint16_t(piece.size()), uint16_t(n)};
    keys_.append(piece);
    toks_.insert(toks_.end(), ids, ids + n);
    ++size_;
  }

  size_t size() const { return size_; }

 private:
  struct Slot {
    uint64_t hash = 0;
    uint32_t key = 0, tok = 0;
    uint16_t len = 0, ntok = 0;  // ntok == 0: empty slot
  };
  void reset() {
    slots_.assign(4096, Slot{});
    mask_ = slots_.size() - 1;
    keys_.clear();
    toks_.clear();
    size_ = 0;
  }
  void rehash(size_t cap) {
    std::vector<Slot> old = std::move(slots_);
    slots_.assign(cap, Slot{});
    mask_ = cap - 1;
    for (const Slot& s : old) {
      if (s.ntok == 0) continue;
      size_t i = s.hash & mask_;
      while (slots_[i].ntok != 0) i = (i + 1) & mask_;
      slots_[i] = s;
    }
  }
  std::vector<Slot> slots_;
  std::string keys_;
  std::vector<TokenId> toks_;
  size_t size_ = 0, mask_ = 0;
};

}  // namespace lmf::tok
