// Tensor: a shape, strides and an offset into shared Storage, plus autograd state.
//
// Tensors are cheap handles (a shared pointer); copying one aliases the same data.
// New tensors are contiguous (row-major). Views — reshape of a contiguous tensor,
// transpose, slice — share storage and change only shape/strides/offset; ops that need
// contiguous input call contiguous(), which copies only when needed. Views taken while
// autograd is recording route gradients back to their base (see autograd.h).
//
// Storage carries dtype and device; today's ops compute on fp32 CPU tensors and raise
// ShapeError naming the op when handed anything else.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "core/dtype.h"
#include "core/error.h"
#include "core/shape.h"
#include "core/storage.h"

namespace lmf {

struct AutogradMeta;

struct TensorImpl {
  std::shared_ptr<Storage> storage;
  int64_t offset = 0;  // in elements
  Shape shape;
  Shape strides;  // in elements
  DType dtype = DType::F32;
  std::shared_ptr<AutogradMeta> ag;  // null unless the tensor takes part in autograd
};

class Tensor {
 public:
  Tensor() = default;  // undefined (no data)
  explicit Tensor(std::shared_ptr<TensorImpl> impl) : impl_(std::move(impl)) {}

  // ---- creation (contiguous) ----
  static Tensor empty(const Shape& shape, DType dtype = DType::F32, Device dev = Device::CPU);
  static Tensor zeros(const Shape& shape, DType dtype = DType::F32);
  static Tensor full(const Shape& shape, float value);
  static Tensor from_vector(const std::vector<float>& values, const Shape& shape);
  static Tensor from_ints(const std::vector<int32_t>& values, const Shape& shape);
  // Standard normal * std, from a counter-based generator: the same (seed, shape) always
  // gives the same values, whatever the thread count.
  static Tensor randn(const Shape& shape, uint64_t seed, float std = 1.0f);
  // Uniform in [lo, hi).
  static Tensor rand(const Shape& shape, uint64_t seed, float lo = 0.0f, float hi = 1.0f);
  // Wraps memory owned elsewhere (e.g. an mmap); `keepalive` keeps it valid.
  static Tensor borrow(void* data, const Shape& shape, DType dtype, std::shared_ptr<void> keepalive);

  // ---- metadata ----
  bool defined() const { return impl_ != nullptr; }
  const Shape& shape() const { return impl_->shape; }
  const Shape& strides() const { return impl_->strides; }
  int dim() const { return impl_->shape.ndim(); }
  int64_t size(int d) const { return impl_->shape.at(d); }
  int64_t stride(int d) const { return impl_->strides.at(d); }
  int64_t numel() const { return impl_->shape.numel(); }
  DType dtype() const { return impl_->dtype; }
  Device device() const { return impl_->storage->device(); }
  bool is_contiguous() const;
  size_t nbytes() const { return size_t(numel()) * dtype_size(dtype()); }
  std::string str() const;  // "f32[2, 3]"

  // ---- data access ----
  template <class T>
  T* data() const {  // T must be the element type; offset counts elements
    return static_cast<T*>(impl_->storage->data()) + impl_->offset;
  }
  // The first element's bytes, for any dtype (memcpy, file I/O).
  char* bytes() const {
    return static_cast<char*>(impl_->storage->data()) + impl_->offset * int64_t(dtype_size(dtype()));
  }
  float* f32() const;  // checks dtype F32
  std::vector<float> to_vector() const;  // any layout, converted to f32
  float item() const;                    // numel() must be 1

  // ---- views and copies ----
  Tensor reshape(const Shape& shape) const;  // view if contiguous, else copy; one -1 allowed
  Tensor transpose(int a, int b) const;      // strided view
  Tensor slice(int d, int64_t start, int64_t end) const;  // strided view of [start, end)
  Tensor contiguous() const;                 // self if already contiguous
  Tensor clone() const;                      // contiguous copy (records autograd)
  Tensor detach() const;                     // same data, outside autograd
  Tensor to(DType dtype) const;              // converted contiguous copy, no autograd
  // Copies src's values into this tensor's elements (shapes must match); no autograd.
  void copy_from(const Tensor& src);
  void fill(float v);

  // ---- autograd ----
  bool requires_grad() const;
  // Marks a leaf (e.g. a parameter) as wanting a gradient. Returns *this.
  Tensor& set_requires_grad(bool on);
  Tensor grad() const;  // undefined until a backward pass reaches this tensor
  void zero_grad();     // drops the gradient buffer (next backward allocates zeros)
  void backward() const;  // from a scalar (numel 1): d(self)/d(self) = 1

  TensorImpl* impl() const { return impl_.get(); }
  const std::shared_ptr<TensorImpl>& impl_ptr() const { return impl_; }

 private:
  std::shared_ptr<TensorImpl> impl_;
};

// Throws ShapeError unless t is a defined fp32 CPU tensor; `what` names the op and argument.
void check_f32(const Tensor& t, const char* op, const char* arg);

}  // namespace lmf
