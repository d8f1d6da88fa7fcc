#include "core/allocator.h"

#include <cstdlib>
#include <mutex>
#include <new>
#include <unordered_map>
#include <vector>

namespace lmf {
namespace {

struct Cache {
  std::mutex mu;
  std::unordered_map<size_t, std::vector<void*>> free;  // size class -> blocks
  AllocatorStats st;
};

Cache& cache() {
  static Cache* c = new Cache();  // never destroyed: tensors may outlive static destructors
  return *c;
}

}  // namespace

// Always a multiple of 64, as aligned_alloc requires.
size_t CachingAllocator::round_size(size_t bytes) {
  if (bytes <= 256) return 256;
  // 8 size classes per power of two: round up to a multiple of 2^(floor(log2)-3).
  int lg = 63 - __builtin_clzll(bytes);
  size_t step = size_t(1) << (lg - 3);  // >= 32 here; 64 from 512 bytes up
  if (step < 64) step = 64;
  return (bytes + step - 1) / step * step;
}

void* CachingAllocator::allocate(size_t bytes) {
  size_t sz = round_size(bytes);
  Cache& c = cache();
  {
    std::lock_guard<std::mutex> lk(c.mu);
    c.st.allocs++;
    auto it = c.free.find(sz);
    if (it != c.free.end() && !it->second.empty()) {
      void* p = it->second.back();
      it->second.pop_back();
      c.st.bytes_cached -= sz;
      c.st.bytes_in_use += sz;
      if (c.st.bytes_in_use > c.st.peak_bytes_in_use) c.st.peak_bytes_in_use = c.st.bytes_in_use;
      return p;
    }
    c.st.system_allocs++;
    c.st.bytes_in_use += sz;
    if (c.st.bytes_in_use > c.st.peak_bytes_in_use) c.st.peak_bytes_in_use = c.st.bytes_in_use;
  }
  void* p = std::aligned_alloc(64, sz);
  if (!p) {
    release_cache();
    p = std::aligned_alloc(64, sz);
    if (!p) throw std::bad_alloc();
  }
  return p;
}

void CachingAllocator::deallocate(void* p, size_t bytes) {
  if (!p) return;
  size_t sz = round_size(bytes);
  Cache& c = cache();
  std::lock_guard<std::mutex> lk(c.mu);
  c.free[sz].push_back(p);
  c.st.bytes_in_use -= sz;
  c.st.bytes_cached += sz;
}

AllocatorStats CachingAllocator::stats() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lk(c.mu);
  return c.st;
}

void CachingAllocator::release_cache() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lk(c.mu);
  for (auto& [sz, blocks] : c.free)
    for (void* p : blocks) std::free(p);
  c.free.clear();
  c.st.bytes_cached = 0;
}

}  // namespace lmf
