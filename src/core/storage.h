// Storage: one block of bytes on one device, shared by a tensor and its views.
// Owned blocks come from the CachingAllocator; borrowed blocks (e.g. a memory-mapped
// checkpoint) keep their owner alive through `keepalive` and are never freed here.
#pragma once
#include <cstddef>
#include <memory>

#include "core/allocator.h"
#include "core/dtype.h"

namespace lmf {

class Storage {
 public:
  // Owned, uninitialised.
  Storage(size_t nbytes, Device dev) : nbytes_(nbytes), device_(dev) {
    data_ = CachingAllocator::allocate(nbytes);
  }
  // Borrowed from memory that `keepalive` owns.
  Storage(void* data, size_t nbytes, Device dev, std::shared_ptr<void> keepalive)
      : data_(data), nbytes_(nbytes), device_(dev), keepalive_(std::move(keepalive)) {}
  ~Storage() {
    if (!keepalive_) CachingAllocator::deallocate(data_, nbytes_);
  }
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() const { return data_; }
  size_t nbytes() const { return nbytes_; }
  Device device() const { return device_; }
  bool borrowed() const { return keepalive_ != nullptr; }

 private:
  void* data_ = nullptr;
  size_t nbytes_ = 0;
  Device device_ = Device::CPU;
  std::shared_ptr<void> keepalive_;
};

}  // namespace lmf
