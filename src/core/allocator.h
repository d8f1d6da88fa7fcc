// CachingAllocator: the memory behind every tensor. Freed blocks are kept in per-size free
// lists and handed out again, so a training step that repeats the shapes of the previous
// one asks the system for no new memory after warm-up. stats().system_allocs counts the
// times the allocator had to go to the system; tests use it to prove the steady state.
//
// Blocks are 64-byte aligned (a full cache line, the widest AVX-512 load). Sizes are
// rounded up to a size class (8 classes per power of two), so a reused block wastes at
// most 12.5%. Thread-safe; kernels never allocate inside parallel regions.
#pragma once
#include <cstddef>
#include <cstdint>

namespace lmf {

struct AllocatorStats {
  uint64_t system_allocs = 0;   // blocks obtained from the system (cache misses)
  uint64_t allocs = 0;          // all allocation requests
  size_t bytes_in_use = 0;      // bytes handed out and not yet returned
  size_t bytes_cached = 0;      // bytes held in free lists
  size_t peak_bytes_in_use = 0;
};

class CachingAllocator {
 public:
  static void* allocate(size_t bytes);
  static void deallocate(void* p, size_t bytes);
  static AllocatorStats stats();
  // Returns all cached blocks to the system.
  static void release_cache();
  // Size actually reserved for a request of `bytes` (its size class).
  static size_t round_size(size_t bytes);
};

}  // namespace lmf
