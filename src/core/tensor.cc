#include "core/tensor.h"

#include <cstring>

#include "core/autograd.h"
#include "core/random.h"
#include "core/kernels/strided_copy.h"

namespace lmf {
namespace {

std::shared_ptr<TensorImpl> make_impl(const Shape& shape, DType dtype, Device dev) {
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  impl->storage = std::make_shared<Storage>(std::max<size_t>(1, size_t(shape.numel()) * dtype_size(dtype)), dev);
  return impl;
}

std::shared_ptr<TensorImpl> view_impl(const Tensor& t, const Shape& shape, const Shape& strides, int64_t offset) {
  auto impl = std::make_shared<TensorImpl>();
  impl->storage = t.impl()->storage;
  impl->shape = shape;
  impl->strides = strides;
  impl->offset = offset;
  impl->dtype = t.dtype();
  return impl;
}

float load_as_f32(const void* base, DType dt, int64_t i) {
  switch (dt) {
    case DType::F32: return static_cast<const float*>(base)[i];
    case DType::BF16: return bf16_to_f32(static_cast<const uint16_t*>(base)[i]);
    case DType::F16: return f16_to_f32(static_cast<const uint16_t*>(base)[i]);
    case DType::I32: return float(static_cast<const int32_t*>(base)[i]);
    case DType::I64: return float(static_cast<const int64_t*>(base)[i]);
    case DType::U16: return float(static_cast<const uint16_t*>(base)[i]);
    case DType::U8: return float(static_cast<const uint8_t*>(base)[i]);
    case DType::I8: return float(static_cast<const int8_t*>(base)[i]);
  }
  return 0;
}

// Calls f(src_elem_offset, dst_linear_index) for every element of a strided layout,
// in row-major order of `shape`.
template <class F>
void for_each_strided(const Shape& shape, const Shape& strides, int64_t offset, F&& f) {
  int nd = shape.ndim();
  int64_t n = shape.numel();
  if (n == 0) return;
  if (nd == 0) { f(offset, 0); return; }
  int64_t inner = shape[nd - 1], inner_st = strides[nd - 1];
  std::array<int64_t, Shape::kMaxDims> idx{};
  int64_t lin = 0;
  while (lin < n) {
    int64_t base = offset;
    for (int d = 0; d < nd - 1; ++d) base += idx[d] * strides[d];
    for (int64_t k = 0; k < inner; ++k) f(base + k * inner_st, lin + k);
    lin += inner;
    for (int d = nd - 2; d >= 0; --d) {
      if (++idx[d] < shape[d]) break;
      idx[d] = 0;
    }
  }
}

}  // namespace

void check_f32(const Tensor& t, const char* op, const char* arg) {
  if (!t.defined()) throw ShapeError(std::string(op) + ": " + arg + " is undefined");
  if (t.dtype() != DType::F32)
    throw ShapeError(std::string(op) + ": " + arg + " must be f32, got " + t.str());
  if (t.device() != Device::CPU)
    throw ShapeError(std::string(op) + ": " + arg + " is on " + device_name(t.device()) + ", no kernel there");
}

Tensor Tensor::empty(const Shape& shape, DType dtype, Device dev) {
  for (int64_t d : shape)
    if (d < 0) throw ShapeError("empty: negative extent in " + shape.str());
  return Tensor(make_impl(shape, dtype, dev));
}

Tensor Tensor::zeros(const Shape& shape, DType dtype) {
  Tensor t = empty(shape, dtype);
  std::memset(t.bytes(), 0, t.nbytes());
  return t;
}

Tensor Tensor::full(const Shape& shape, float value) {
  Tensor t = empty(shape);
  t.fill(value);
  return t;
}

Tensor Tensor::from_vector(const std::vector<float>& v, const Shape& shape) {
  LMF_CHECK_SHAPE(int64_t(v.size()) == shape.numel(), "from_vector",
                  std::to_string(v.size()) + " values for shape " + shape.str());
  Tensor t = empty(shape);
  std::memcpy(t.f32(), v.data(), v.size() * sizeof(float));
  return t;
}

Tensor Tensor::from_ints(const std::vector<int32_t>& v, const Shape& shape) {
  LMF_CHECK_SHAPE(int64_t(v.size()) == shape.numel(), "from_ints",
                  std::to_string(v.size()) + " values for shape " + shape.str());
  Tensor t = empty(shape, DType::I32);
  std::memcpy(t.data<int32_t>(), v.data(), v.size() * sizeof(int32_t));
  return t;
}

Tensor Tensor::randn(const Shape& shape, uint64_t seed, float std) {
  Tensor t = empty(shape);
  float* p = t.f32();
  int64_t n = t.numel();
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) p[i] = std * Philox::normal_at(seed, uint64_t(i));
  return t;
}

Tensor Tensor::rand(const Shape& shape, uint64_t seed, float lo, float hi) {
  Tensor t = empty(shape);
  float* p = t.f32();
  int64_t n = t.numel();
#pragma omp parallel for schedule(static) if (n > 65536)
  for (int64_t i = 0; i < n; ++i) p[i] = lo + (hi - lo) * Philox::uniform_at(seed, uint64_t(i));
  return t;
}

Tensor Tensor::borrow(void* data, const Shape& shape, DType dtype, std::shared_ptr<void> keepalive) {
  auto impl = std::make_shared<TensorImpl>();
  impl->shape = shape;
  impl->strides = contiguous_strides(shape);
  impl->dtype = dtype;
  impl->storage = std::make_shared<Storage>(data, size_t(shape.numel()) * dtype_size(dtype), Device::CPU,
                                            std::move(keepalive));
  return Tensor(impl);
}

bool Tensor::is_contiguous() const {
  int64_t acc = 1;
  const Shape& s = shape();
  for (int i = s.ndim() - 1; i >= 0; --i) {
    if (s[i] != 1 && strides()[i] != acc) return false;
    acc *= s[i];
  }
  return true;
}

std::string Tensor::str() const {
  if (!defined()) return "undefined";
  return std::string(dtype_name(dtype())) + shape().str();
}

float* Tensor::f32() const {
  if (!defined() || dtype() != DType::F32) throw ShapeError("f32(): tensor is " + str());
  return data<float>();
}

std::vector<float> Tensor::to_vector() const {
  std::vector<float> out(static_cast<size_t>(numel()));
  const void* base = impl_->storage->data();
  DType dt = dtype();
  for_each_strided(shape(), strides(), impl_->offset,
                   [&](int64_t src, int64_t dst) { out[size_t(dst)] = load_as_f32(base, dt, src); });
  return out;
}

float Tensor::item() const {
  LMF_CHECK_SHAPE(numel() == 1, "item", "needs one element, got " + str());
  return to_vector()[0];
}

void Tensor::fill(float v) {
  check_f32(*this, "fill", "self");
  if (is_contiguous()) {
    float* p = f32();
    int64_t n = numel();
    for (int64_t i = 0; i < n; ++i) p[i] = v;
  } else {
    float* base = static_cast<float*>(impl_->storage->data());
    for_each_strided(shape(), strides(), impl_->offset, [&](int64_t o, int64_t) { base[o] = v; });
  }
}

void Tensor::copy_from(const Tensor& src) {
  LMF_CHECK_SHAPE(src.shape() == shape(), "copy_from", "source " + src.str() + " into " + str());
  if (dtype() == src.dtype() && is_contiguous() && src.is_contiguous()) {
    std::memcpy(bytes(), src.bytes(), nbytes());
    return;
  }
  check_f32(*this, "copy_from", "destination");
  if (src.dtype() == DType::F32 && src.impl()->storage != impl_->storage) {
    kernels::strided_copy(static_cast<float*>(impl_->storage->data()) + impl_->offset, strides(),
                          static_cast<const float*>(src.impl()->storage->data()) + src.impl()->offset, src.strides(),
                          shape(), false);
    return;
  }
  // Other dtypes, or views of one storage: gather src in row-major order, scatter to our layout.
  const void* sbase = src.impl()->storage->data();
  DType sdt = src.dtype();
  float* dbase = static_cast<float*>(impl_->storage->data());
  if (is_contiguous()) {
    float* d = f32();
    for_each_strided(src.shape(), src.strides(), src.impl()->offset,
                     [&](int64_t s, int64_t lin) { d[lin] = load_as_f32(sbase, sdt, s); });
  } else {
    std::vector<float> tmp = src.to_vector();
    for_each_strided(shape(), strides(), impl_->offset, [&](int64_t o, int64_t lin) { dbase[o] = tmp[size_t(lin)]; });
  }
}

Tensor Tensor::to(DType dt) const {
  Tensor out = empty(shape(), dt);
  if (dt == DType::F32) {
    out.copy_from(*this);
    return out;
  }
  std::vector<float> v = to_vector();
  int64_t n = numel();
  for (int64_t i = 0; i < n; ++i) {
    float x = v[size_t(i)];
    switch (dt) {
      case DType::BF16: out.data<uint16_t>()[i] = f32_to_bf16(x); break;
      case DType::F16: out.data<uint16_t>()[i] = f32_to_f16(x); break;
      case DType::I32: out.data<int32_t>()[i] = int32_t(x); break;
      case DType::I64: out.data<int64_t>()[i] = int64_t(x); break;
      case DType::U16: out.data<uint16_t>()[i] = uint16_t(x); break;
      case DType::U8: out.data<uint8_t>()[i] = uint8_t(x); break;
      case DType::I8: out.data<int8_t>()[i] = int8_t(x); break;
      case DType::F32: break;
    }
  }
  return out;
}

// ---- views ----

Tensor Tensor::reshape(const Shape& want) const {
  Shape s = want;
  int infer = -1;
  int64_t known = 1;
  for (int i = 0; i < s.ndim(); ++i) {
    if (s[i] == -1) {
      LMF_CHECK_SHAPE(infer < 0, "reshape", "more than one -1 in " + want.str());
      infer = i;
    } else {
      known *= s[i];
    }
  }
  if (infer >= 0) {
    LMF_CHECK_SHAPE(known > 0 && numel() % known == 0, "reshape", "cannot reshape " + str() + " to " + want.str());
    s[infer] = numel() / known;
  }
  LMF_CHECK_SHAPE(s.numel() == numel(), "reshape", "cannot reshape " + str() + " to " + want.str());
  Tensor src = contiguous();
  Tensor out(view_impl(src, s, contiguous_strides(s), src.impl()->offset));
  if (autograd::should_record({this})) {
    autograd::record("reshape", out, [gx = autograd::GradSink(*this)](const Tensor& dy) mutable {
      gx.accumulate(dy.reshape(gx.shape()));
    });
  }
  return out;
}

Tensor Tensor::transpose(int a, int b) const {
  a = shape().norm(a);
  b = shape().norm(b);
  Shape s = shape(), st = strides();
  std::swap(s[a], s[b]);
  std::swap(st[a], st[b]);
  Tensor out(view_impl(*this, s, st, impl_->offset));
  if (autograd::should_record({this})) {
    autograd::record("transpose", out, [gx = autograd::GradSink(*this), a, b](const Tensor& dy) mutable {
      gx.accumulate(dy.transpose(a, b));
    });
  }
  return out;
}

Tensor Tensor::slice(int d, int64_t start, int64_t end) const {
  d = shape().norm(d);
  LMF_CHECK_SHAPE(0 <= start && start <= end && end <= shape()[d], "slice",
                  "range [" + std::to_string(start) + ", " + std::to_string(end) + ") out of dim " +
                  std::to_string(d) + " of " + str());
  Shape s = shape();
  s[d] = end - start;
  Tensor out(view_impl(*this, s, strides(), impl_->offset + start * strides()[d]));
  if (autograd::should_record({this})) {
    autograd::record("slice", out, [gx = autograd::GradSink(*this), d, start](const Tensor& dy) mutable {
      // Add dy into the [start, start+len) window of the gradient buffer.
      float* g = gx.buffer();
      const Shape st = contiguous_strides(gx.shape());
      kernels::strided_copy(g + start * st[d], st, static_cast<const float*>(dy.impl()->storage->data()) + dy.impl()->offset,
                            dy.strides(), dy.shape(), true);
    });
  }
  return out;
}

Tensor Tensor::contiguous() const {
  if (is_contiguous()) return *this;
  return clone();
}

Tensor Tensor::clone() const {
  Tensor out = empty(shape(), dtype());
  out.copy_from(*this);
  if (autograd::should_record({this})) {
    autograd::record("clone", out, [gx = autograd::GradSink(*this)](const Tensor& dy) mutable { gx.accumulate(dy); });
  }
  return out;
}

Tensor Tensor::detach() const {
  auto impl = std::make_shared<TensorImpl>(*impl_);
  impl->ag = nullptr;
  return Tensor(impl);
}

// ---- autograd ----

bool Tensor::requires_grad() const { return impl_ && impl_->ag && impl_->ag->requires_grad; }

Tensor& Tensor::set_requires_grad(bool on) {
  if (!impl_->ag) {
    if (!on) return *this;
    impl_->ag = std::make_shared<AutogradMeta>();
    impl_->ag->shape = shape();
  }
  LMF_CHECK_SHAPE(impl_->ag->is_leaf, "set_requires_grad", "only leaf tensors can change requires_grad");
  impl_->ag->requires_grad = on;
  return *this;
}

Tensor Tensor::grad() const { return impl_ && impl_->ag ? impl_->ag->grad : Tensor(); }

void Tensor::zero_grad() {
  if (impl_ && impl_->ag) impl_->ag->grad = Tensor();
}

void Tensor::backward() const { autograd::backward(*this); }

}  // namespace lmf
