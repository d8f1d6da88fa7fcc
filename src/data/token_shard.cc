#include "data/token_shard.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <bit>
#include <cerrno>
#include <cstring>
#include <vector>

#include "core/error.h"
#include "io/atomic_file.h"

namespace lmf::data {

static_assert(std::endian::native == std::endian::little, "token shards are little-endian; add byte swaps for this host");

int write_token_shard(const std::string& path, std::span<const TokenId> ids) {
  if (ids.size() > size_t(INT32_MAX))
    throw Error("write_token_shard: " + std::to_string(ids.size()) + " tokens for " + path +
                " exceed the format's int32 token count; split the data into several shards");
  TokenId max_id = 0, min_id = 0;
  for (TokenId id : ids) {
    max_id = id > max_id ? id : max_id;
    min_id = id < min_id ? id : min_id;
  }
  if (min_id < 0) throw Error("write_token_shard: " + path + ": negative token id " + std::to_string(min_id));
  const int version = max_id < 65536 ? 1 : 2;
  int32_t header[kShardHeaderInts] = {};
  header[0] = kShardMagic;
  header[1] = version;
  header[2] = int32_t(ids.size());
  io::write_file_atomic(path, [&](std::ostream& out) {
    out.write(reinterpret_cast<const char*>(header), sizeof header);
    if (version == 2) {
      out.write(reinterpret_cast<const char*>(ids.data()), std::streamsize(ids.size() * 4));
      return;
    }
    std::vector<uint16_t> buf(1 << 16);  // narrowed in blocks, not all at once
    for (size_t at = 0; at < ids.size(); at += buf.size()) {
      size_t n = std::min(buf.size(), ids.size() - at);
      for (size_t i = 0; i < n; ++i) buf[i] = uint16_t(ids[at + i]);
      out.write(reinterpret_cast<const char*>(buf.data()), std::streamsize(n * 2));
    }
  });
  return version;
}

TokenShard TokenShard::open(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw FormatError("cannot open token shard " + path + ": " + std::strerror(errno));
  struct stat st {};
  if (::fstat(fd, &st) != 0) {
    int err = errno;
    ::close(fd);
    throw FormatError("cannot stat token shard " + path + ": " + std::strerror(err));
  }
  if (!S_ISREG(st.st_mode)) {
    ::close(fd);
    throw FormatError(path + ": not a token shard file (" + (S_ISDIR(st.st_mode) ? "a directory" : "not a regular file") +
                      ")");
  }
  const size_t len = size_t(st.st_size);
  if (len < kShardHeaderBytes) {
    ::close(fd);
    throw FormatError(path + ": not a token shard: " + std::to_string(len) + " bytes, shorter than the " +
                      std::to_string(kShardHeaderBytes) + "-byte header");
  }
  void* addr = ::mmap(nullptr, len, PROT_READ, MAP_SHARED, fd, 0);
  int err = errno;
  ::close(fd);
  if (addr == MAP_FAILED) throw FormatError("cannot map token shard " + path + ": " + std::strerror(err));
  std::shared_ptr<const void> map(addr, [len](const void* p) { ::munmap(const_cast<void*>(p), len); });

  int32_t header[3];
  std::memcpy(header, addr, sizeof header);
  size_t id_bytes = 0;
  if (header[0] == kShardMagic) {
    if (header[1] != 1 && header[1] != 2)
      throw FormatError(path + ": unsupported token shard version " + std::to_string(header[1]) +
                        " (1 = uint16 ids, 2 = uint32 ids)");
    id_bytes = header[1] == 1 ? 2 : 4;
  } else if (header[0] == kShardMagicLlmcLlama3) {
    if (header[1] != 7)
      throw FormatError(path + ": unsupported token shard version " + std::to_string(header[1]) +
                        " for magic " + std::to_string(kShardMagicLlmcLlama3) + " (expected 7, uint32 ids)");
    id_bytes = 4;
  } else {
    throw FormatError(path + ": not a token shard: magic " + std::to_string(header[0]) + ", expected " +
                      std::to_string(kShardMagic));
  }
  if (header[2] < 0) throw FormatError(path + ": negative token count " + std::to_string(header[2]) + " in the header");
  TokenShard s;
  s.path_ = path;
  s.version_ = header[1];
  s.id_bytes_ = id_bytes;
  s.count_ = size_t(header[2]);
  const size_t want = s.count_ * s.id_bytes(), have = len - kShardHeaderBytes;
  if (want != have)
    throw FormatError(path + ": header says " + std::to_string(s.count_) + " tokens (" + std::to_string(want) +
                      " bytes of " + (id_bytes == 2 ? "uint16" : "uint32") + " ids) but the file holds " +
                      std::to_string(have) + " bytes after the header" + (have < want ? " (truncated)" : ""));
  s.map_ = std::move(map);
  s.ids_ = static_cast<const unsigned char*>(addr) + kShardHeaderBytes;
  return s;
}

void TokenShard::read(size_t begin, size_t n, TokenId* out) const {
  if (begin > count_ || n > count_ - begin)
    throw FormatError(path_ + ": tokens [" + std::to_string(begin) + ", " + std::to_string(begin + n) +
                      ") are outside the shard's " + std::to_string(count_) + " tokens");
  if (id_bytes_ == 2) {
    const unsigned char* p = ids_ + 2 * begin;
    for (size_t i = 0; i < n; ++i) {
      uint16_t v;
      std::memcpy(&v, p + 2 * i, 2);
      out[i] = int32_t(v);
    }
  } else {
    std::memcpy(out, ids_ + 4 * begin, n * 4);  // ids < 2^31 are the same bits as int32
  }
}

size_t TokenShard::find_id_at_least(uint32_t limit) const {
  for (size_t i = 0; i < count_; ++i)
    if (uint32_t((*this)[i]) >= limit) return i;  // an id of 2^31 or more reads as negative: caught too
  return count_;
}

}  // namespace lmf::data
