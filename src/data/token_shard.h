// Token shards in llm.c's format, so shards made by llm.c's data scripts and ours are
// interchangeable.
//
//   header: 256 little-endian int32
//             [0] magic 20240520
//             [1] version: 1 = ids are uint16, 2 = ids are uint32
//             [2] token count N
//             [3..255] zero
//   body:   N little-endian ids of the version's width, nothing after them
//
// llm.c's own scripts write uint32 (llama-3) shards with magic 20240801 and version 7; the
// reader accepts that header too (as uint32 ids), so every shard llm.c makes can be read.
//
// The writer picks version 1 when every id is < 65536, else version 2, and commits the
// file atomically (a crash leaves the old file or the new one). The reader memory-maps the
// file read-only and validates the header against the file size before handing out ids; a
// missing file, bad magic, unknown version, negative count or a body whose size disagrees
// with the count is a FormatError naming the file and what is wrong. Ids are read straight
// from the mapping: opening a 10 GB shard costs no copy.
#pragma once
#include <cstddef>
#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "core/token_id.h"

namespace lmf::data {

inline constexpr int32_t kShardMagic = 20240520;
inline constexpr int32_t kShardMagicLlmcLlama3 = 20240801;  // read only: llm.c's uint32 shards, version 7
inline constexpr int kShardHeaderInts = 256;
inline constexpr size_t kShardHeaderBytes = kShardHeaderInts * sizeof(int32_t);

// Writes `ids` to `path` atomically; returns the version chosen (1: every id below 65536,
// stored as uint16; 2: uint32). A negative id is an Error.
int write_token_shard(const std::string& path, std::span<const TokenId> ids);

class TokenShard {
 public:
  // Maps and validates `path`; throws FormatError naming it on any problem.
  static TokenShard open(const std::string& path);

  const std::string& path() const { return path_; }
  int version() const { return version_; }          // as in the header: 1, 2 or 7
  size_t id_bytes() const { return id_bytes_; }     // 2 (uint16 ids) or 4 (uint32 ids)
  size_t size() const { return count_; }            // number of tokens

  // Token i (i < size(), unchecked).
  TokenId operator[](size_t i) const {
    if (id_bytes_ == 2) {
      uint16_t v;
      __builtin_memcpy(&v, ids_ + 2 * i, 2);
      return TokenId(v);
    }
    uint32_t v;
    __builtin_memcpy(&v, ids_ + 4 * i, 4);
    return TokenId(v);
  }
  // Copies tokens [begin, begin + n) into out as int32; FormatError naming the file when the
  // range is outside the shard.
  void read(size_t begin, size_t n, TokenId* out) const;
  // Position of the first id >= limit, or size() when there is none.
  size_t find_id_at_least(uint32_t limit) const;

 private:
  std::string path_;
  std::shared_ptr<const void> map_;  // the mapping; unmapped when the last copy goes
  const unsigned char* ids_ = nullptr;
  size_t count_ = 0;
  int version_ = 1;
  size_t id_bytes_ = 2;
};

}  // namespace lmf::data
