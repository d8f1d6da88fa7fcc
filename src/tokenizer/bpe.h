// Byte-pair model: token ids <-> bytes and the merge table, and the byte-pair merge that
// turns one pretokenized piece into token ids.
//
// Merging is rank-based: starting from one token per byte, the adjacent pair with the lowest
// merge rank is merged (the leftmost when ranks tie) until no adjacent pair has a rank. The
// merge table maps a pair of token ids to (rank, merged id). It is filled either
//   - tiktoken's way (from_ranks): every pair of tokens whose bytes concatenate to a token t
//     merges to t with rank t — exactly tiktoken's rule "merge the adjacent parts whose
//     concatenation has the lowest rank"; or
//   - Hugging Face's way (add_merge): the listed merges, rank = position in the list.
// With ignore_merges (tiktoken always; tokenizer.json "ignore_merges": true) a piece that is
// itself a token is returned as that token without merging.
//
// A BpeModel is immutable once built and safe to share between threads.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "core/token_id.h"

namespace lmf::tok {

constexpr uint32_t kNoToken = 0xFFFFFFFFu;

// Open-addressing map from byte strings to ids (keys live in an arena owned by the map).
class BytesMap {
 public:
  void reserve(size_t n);
  // Inserts key -> id; returns false (and changes nothing) when key is already present.
  bool insert(std::string_view key, uint32_t id);
  uint32_t find(std::string_view key) const;  // kNoToken when absent
  uint32_t find(std::string_view key, uint64_t hash) const;
  size_t size() const { return size_; }
  static uint64_t hash(std::string_view key);

 private:
  struct Slot {
    uint64_t hash;
    uint32_t off, len, id;
  };
  void grow();
  std::vector<Slot> slots_;
  std::string arena_;
  size_t size_ = 0, mask_ = 0;
};

// Open-addressing map from a pair of token ids to a packed (rank << 32 | merged id).
class PairMap {
 public:
  void reserve(size_t n);
  // Keeps the existing entry when the pair is already present (the lower rank wins).
  void insert(uint32_t a, uint32_t b, uint64_t value);
  uint64_t find(uint32_t a, uint32_t b) const {
    uint64_t key = (uint64_t(a) << 32) | b;
    size_t i = slot_of(key);
    while (true) {
      const Entry& e = entries_[i];
      if (e.key == key) return e.value;
      if (e.key == kEmpty) return kNone;
      i = (i + 1) & mask_;
    }
  }
  size_t size() const { return size_; }
  template <class F>
  void for_each(F&& f) const {
    for (auto& e : entries_)
      if (e.key != kEmpty) f(uint32_t(e.key >> 32), uint32_t(e.key), e.value);
  }
  static constexpr uint64_t kNone = ~uint64_t(0);

 private:
  static constexpr uint64_t kEmpty = ~uint64_t(0);
  struct Entry {
    uint64_t key = kEmpty, value = kNone;
  };
  size_t slot_of(uint64_t key) const { return size_t((key * 0x9E3779B97F4A7C15ull) >> shift_) & mask_; }
  void grow();
  std::vector<Entry> entries_;
  size_t size_ = 0, mask_ = 0;
  int shift_ = 64;
};

class BpeModel {
 public:
  // tiktoken's mergeable ranks: token_bytes[r] is the token of rank (= id) r; an empty string
  // marks an unused id. Every pair of tokens that concatenates to a token gets a merge.
  static BpeModel from_ranks(std::vector<std::string> token_bytes);

  // Hugging Face: a vocabulary (empty string = unused id), then merges in rank order.
  static BpeModel from_vocab(std::vector<std::string> token_bytes, bool ignore_merges);
  // Adds the merge (a, b) with the next rank; false when a+b is not in the vocabulary.
  bool add_merge(uint32_t a, uint32_t b);

  // Appends the ids of one piece to out (no cache).
  void encode_piece(std::string_view piece, std::vector<TokenId>& out) const;

  size_t size() const { return bytes_.size(); }  // ids are 0..size()-1 (some maybe unused)
  const std::string& bytes(uint32_t id) const { return bytes_[id]; }
  uint32_t find(std::string_view bytes) const { return by_bytes_.find(bytes); }
  uint32_t byte_token(unsigned char b) const { return byte_token_[b]; }
  bool ignore_merges() const { return ignore_merges_; }
  bool rank_is_id() const { return rank_is_id_; }
  const PairMap& merges() const { return merges_; }
  size_t num_merges() const { return num_merges_; }

 private:
  void index_bytes();
  void merge_small(std::string_view piece, std::vector<TokenId>& out) const;
  void merge_large(std::string_view piece, std::vector<TokenId>& out) const;

  std::vector<std::string> bytes_;
  BytesMap by_bytes_;
  PairMap merges_;
  uint32_t byte_token_[256];
  bool ignore_merges_ = true;
  bool rank_is_id_ = false;
  size_t num_merges_ = 0;
};

}  // namespace lmf::tok
