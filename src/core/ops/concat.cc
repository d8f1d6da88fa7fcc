#include "core/ops/concat.h"

#include <cstring>

#include "core/autograd.h"

namespace lmf {
namespace {

// Products of the extents before and after dim d.
void outer_inner(const Shape& s, int d, int64_t& O, int64_t& I) {
  O = I = 1;
  for (int i = 0; i < d; ++i) O *= s[i];
  for (int i = d + 1; i < s.ndim(); ++i) I *= s[i];
}

// Tensors viewed as (O, L, I). For every o, the run of n·I elements starting at
// [o, src_l0, 0] of src (O, src_L, I) is copied (add: added) to [o, dst_l0, 0] of
// dst (O, dst_L, I).
void copy_runs(const float* src, int64_t src_L, int64_t src_l0, float* dst, int64_t dst_L, int64_t dst_l0,
               int64_t n, int64_t O, int64_t I, bool add) {
  const int64_t run = n * I;
#pragma omp parallel for schedule(static) if (O * run > 65536)
  for (int64_t o = 0; o < O; ++o) {
    const float* s = src + (o * src_L + src_l0) * I;
    float* t = dst + (o * dst_L + dst_l0) * I;
    if (add) {
#pragma omp simd
      for (int64_t j = 0; j < run; ++j) t[j] += s[j];
    } else {
      std::memcpy(t, s, size_t(run) * sizeof(float));
    }
  }
}

std::string shapes_str(const std::vector<Tensor>& xs) {
  std::string s;
  for (size_t k = 0; k < xs.size(); ++k) s += (k ? ", " : "") + (xs[k].defined() ? xs[k].shape().str() : "undefined");
  return s;
}

}  // namespace

// ---- concat ----

// Forward: y[o, off_k + l, i] = xs[k][o, l, i].  Backward: dxs[k][o, l, i] += dy[o, off_k + l, i].
Tensor concat(const std::vector<Tensor>& xs, int dim) {
  LMF_CHECK_SHAPE(!xs.empty(), "concat", "needs at least one tensor");
  for (const Tensor& x : xs) check_f32(x, "concat", "input");
  const Shape& s0 = xs[0].shape();
  const int d = s0.norm(dim);
  int64_t L = 0;
  for (const Tensor& x : xs) {
    bool ok = x.dim() == s0.ndim();
    for (int i = 0; ok && i < s0.ndim(); ++i) ok = i == d || x.size(i) == s0[i];
    LMF_CHECK_SHAPE(ok, "concat", "shapes must match except in dim " + std::to_string(dim) + ", got " + shapes_str(xs));
    L += x.size(d);
  }
  Shape ys = s0;
  ys[d] = L;
  int64_t O, I;
  outer_inner(ys, d, O, I);
  Tensor y = Tensor::empty(ys);
  std::vector<int64_t> offs;
  int64_t off = 0;
  for (const Tensor& x : xs) {
    Tensor xc = x.contiguous();
    copy_runs(xc.f32(), x.size(d), 0, y.f32(), L, off, x.size(d), O, I, false);
    offs.push_back(off);
    off += x.size(d);
  }

  bool record = false;
  for (const Tensor& x : xs) record = record || autograd::should_record({&x});
  if (record) {
    std::vector<autograd::GradSink> sinks;
    std::vector<int64_t> lens;
    for (const Tensor& x : xs) {
      sinks.emplace_back(x);
      lens.push_back(x.size(d));
    }
    autograd::record("concat", y, [sinks = std::move(sinks), lens, offs, L, O, I](const Tensor& dy) mutable {
      Tensor dyc = dy.contiguous();
      for (size_t k = 0; k < sinks.size(); ++k)
        if (sinks[k].wanted()) copy_runs(dyc.f32(), L, offs[k], sinks[k].buffer(), lens[k], 0, lens[k], O, I, true);
    });
  }
  return y;
}

// ---- split ----

// Forward: pieces[k][o, l, i] = x[o, off_k + l, i].  Backward: dx[o, off_k + l, i] += dpieces[k][o, l, i].
std::vector<Tensor> split(const Tensor& x, const std::vector<int64_t>& sizes, int dim) {
  check_f32(x, "split", "x");
  const int d = x.shape().norm(dim);
  int64_t total = 0;
  for (int64_t n : sizes) {
    LMF_CHECK_SHAPE(n >= 0, "split", "negative size " + std::to_string(n));
    total += n;
  }
  auto list = [&] {
    std::string l;
    for (int64_t n : sizes) l += (l.empty() ? "" : ", ") + std::to_string(n);
    return l;
  };
  LMF_CHECK_SHAPE(total == x.size(d), "split",
                  "sizes [" + list() + "] sum to " + std::to_string(total) + ", but dim " + std::to_string(dim) + " of " +
                      x.shape().str() + " is " + std::to_string(x.size(d)));
  const int64_t L = x.size(d);
  int64_t O, I;
  outer_inner(x.shape(), d, O, I);
  Tensor xc = x.contiguous();
  const bool record = autograd::should_record({&x});
  std::vector<Tensor> out;
  int64_t off = 0;
  for (int64_t n : sizes) {
    Shape ps = x.shape();
    ps[d] = n;
    Tensor piece = Tensor::empty(ps);
    copy_runs(xc.f32(), L, off, piece.f32(), n, 0, n, O, I, false);
    if (record) {
      autograd::record("split", piece, [gx = autograd::GradSink(x), n, off, L, O, I](const Tensor& dy) mutable {
        Tensor dyc = dy.contiguous();
        copy_runs(dyc.f32(), n, 0, gx.buffer(), L, off, n, O, I, true);
      });
    }
    out.push_back(piece);
    off += n;
  }
  return out;
}

}  // namespace lmf
