#include "core/ops/matmul.h"

#include <algorithm>
#include <optional>

#include "core/autograd.h"
#include "core/kernels/gemm.h"
#include "core/kernels/gemv.h"

namespace lmf {
namespace {

using kernels::GemmOperand;

// t's dims and strides (t must have at least 2 dims and a unit stride in one of the last two).
GemmOperand operand(const Tensor& t) {
  GemmOperand op;
  op.data = t.f32();
  op.ndim = t.dim();
  for (int i = 0; i < op.ndim; ++i) {
    op.dims[i] = t.size(i);
    op.strides[i] = t.stride(i);
  }
  return op;
}

// t itself when oneDNN can use it as is (a unit stride in one of its two last dims), else
// a contiguous copy.
Tensor unit_inner(const Tensor& t) {
  const int n = t.dim();
  const bool ok = n >= 2 && (t.stride(n - 1) == 1 || t.size(n - 1) == 1 || t.stride(n - 2) == 1 || t.size(n - 2) == 1);
  return ok ? t : t.contiguous();
}

// t (..., C) as a (rows, C) operand without a copy, when its leading dims are laid out as
// one run of rows with a single stride.
std::optional<GemmOperand> as_rows(const Tensor& t) {
  const int nd = t.dim();
  const int64_t C = t.size(nd - 1), col_stride = t.stride(nd - 1);
  int64_t rows = 1, row_stride = C * col_stride, next = 0;
  bool first = true;
  for (int i = nd - 2; i >= 0; --i) {
    if (t.size(i) == 1) continue;
    if (first) {
      row_stride = t.stride(i);
      first = false;
    } else if (t.stride(i) != next) {
      return std::nullopt;
    }
    rows *= t.size(i);
    next = t.size(i) * t.stride(i);
  }
  GemmOperand op = kernels::matrix(t.f32(), rows, C, row_stride);
  op.strides[1] = col_stride;
  if (!(col_stride == 1 || C == 1 || row_stride == 1 || rows == 1)) return std::nullopt;
  return op;
}

// t (..., C) as (rows, C), copying only when its layout does not allow a view. `keep`
// holds the copy alive.
GemmOperand rows_of(const Tensor& t, Tensor& keep) {
  if (auto op = as_rows(t)) return *op;
  keep = t.contiguous();
  return *as_rows(keep);
}

// out (C) [+]= column sums of m (rows, C). Each column is summed over rows in order, so the
// result does not depend on the thread count.
void column_sums(const float* m, int64_t rows, int64_t C, float* out, bool add) {
  constexpr int64_t kChunk = 64;
#pragma omp parallel for schedule(static) if (rows * C > 65536)
  for (int64_t c0 = 0; c0 < C; c0 += kChunk) {
    const int64_t w = std::min(kChunk, C - c0);
    float acc[kChunk] = {};
    for (int64_t r = 0; r < rows; ++r) {
      const float* row = m + r * C + c0;
#pragma omp simd
      for (int64_t j = 0; j < w; ++j) acc[j] += row[j];
    }
    for (int64_t j = 0; j < w; ++j) out[c0 + j] = add ? out[c0 + j] + acc[j] : acc[j];
  }
}

std::string shapes(const Tensor& a, const char* an, const Tensor& b, const char* bn) {
  return std::string(an) + " " + a.str() + " and " + bn + " " + b.str();
}

}  // namespace

// ---- matmul: y (..., M, N) = a (..., M, K) · b (..., K, N) ----

Tensor matmul(const Tensor& a, const Tensor& b) {
  check_f32(a, "matmul", "a");
  check_f32(b, "matmul", "b");
  LMF_CHECK_SHAPE(a.dim() >= 2 && b.dim() >= 2, "matmul", shapes(a, "a", b, "b") + ": both need at least 2 dims");
  const bool shared = b.dim() == 2;  // one b for every batch of a
  if (!shared) {
    bool same = a.dim() == b.dim();
    for (int i = 0; same && i < a.dim() - 2; ++i) same = a.size(i) == b.size(i);
    LMF_CHECK_SHAPE(same, "matmul", shapes(a, "a", b, "b") + ": batch dims differ (b must have a's batch dims or be 2-D)");
  }
  LMF_CHECK_SHAPE(a.size(-1) == b.size(-2), "matmul", shapes(a, "a", b, "b") + ": inner dims differ");

  Tensor ac = unit_inner(a), bc = unit_inner(b);
  Shape ys = a.shape();
  ys[ys.ndim() - 1] = b.size(-1);
  Tensor y = Tensor::empty(ys);
  kernels::gemm(operand(ac), kernels::padded(operand(bc), a.dim()), nullptr, y.f32(), false);

  if (autograd::should_record({&a, &b})) {
    autograd::GradSink ga(a), gb(b);
    // Keep only what the wanted gradients read: b for da, a for db.
    Tensor sa = gb.wanted() ? ac.detach() : Tensor();
    Tensor sb = ga.wanted() ? bc.detach() : Tensor();
    autograd::record("matmul", y, [ga, gb, sa, sb, shared](const Tensor& dy_in) mutable {
      Tensor dy = dy_in.contiguous();  // (..., M, N)
      bool add = false;
      if (ga.wanted()) {  // da (..., M, K) += dy · bᵀ
        float* da = ga.buffer_for_write(&add);
        kernels::gemm(operand(dy), kernels::padded(kernels::transposed(operand(sb)), dy.dim()),
                      nullptr, da, add);
      }
      if (gb.wanted()) {
        float* db = gb.buffer_for_write(&add);
        if (!shared) {  // db (..., K, N) += aᵀ · dy
          kernels::gemm(kernels::transposed(operand(sa)), operand(dy), nullptr, db, add);
        } else {  // db (K, N) += Σ_batch aᵀ · dy = (rows, K)ᵀ · (rows, N)
          Tensor keep;
          GemmOperand a2 = rows_of(sa, keep);
          const int64_t N = dy.size(-1);
          kernels::gemm(kernels::transposed(a2), kernels::matrix(dy.f32(), a2.dims[0], N, N), nullptr, db, add);
        }
      }
    });
  }
  return y;
}

// ---- linear: y (..., out) = x (..., in) · wᵀ + b ----

Tensor linear(const Tensor& x, const Tensor& w, const Tensor& b) {
  check_f32(x, "linear", "x");
  check_f32(w, "linear", "w");
  LMF_CHECK_SHAPE(x.dim() >= 1 && w.dim() == 2 && x.size(-1) == w.size(1), "linear",
                  shapes(x, "x", w, "w") + ": need x (..., in) and w (out, in)");
  const int64_t out = w.size(0);
  if (b.defined()) {
    check_f32(b, "linear", "b");
    LMF_CHECK_SHAPE(b.dim() == 1 && b.size(0) == out, "linear", shapes(w, "w", b, "b") + ": need b (out)");
  }
  Tensor xkeep;
  GemmOperand x2 = rows_of(x, xkeep);  // (rows, in)
  const int64_t rows = x2.dims[0];
  Tensor wc = unit_inner(w);
  Tensor bc = b.defined() ? b.contiguous() : Tensor();
  Shape ys = x.shape();
  ys[ys.ndim() - 1] = out;
  Tensor y = Tensor::empty(ys);
  const float* bias = bc.defined() ? bc.f32() : nullptr;
  if (rows <= kernels::kGemvMaxRows && x2.strides[1] == 1 && wc.is_contiguous())  // decoding: one token a row
    kernels::gemv_rows(x2.data, rows, x2.strides[0], wc.f32(), out, w.size(1), bias, y.f32());
  else
    kernels::gemm(x2, kernels::transposed(operand(wc)), bias, y.f32(), false);

  if (autograd::should_record({&x, &w, &b})) {
    autograd::GradSink gx(x), gw(w), gb(b);
    Tensor sx = gw.wanted() ? (xkeep.defined() ? xkeep : x).detach() : Tensor();
    Tensor sw = gx.wanted() ? wc.detach() : Tensor();
    autograd::record("linear", y, [gx, gw, gb, sx, sw, rows, out](const Tensor& dy_in) mutable {
      Tensor dy = dy_in.contiguous();
      GemmOperand dy2 = kernels::matrix(dy.f32(), rows, out, out);  // (rows, out)
      bool add = false;
      if (gx.wanted()) {  // dx (rows, in) += dy · w
        float* dx = gx.buffer_for_write(&add);
        kernels::gemm(dy2, operand(sw), nullptr, dx, add);
      }
      if (gw.wanted()) {  // dw (out, in) += dyᵀ · x
        float* dw = gw.buffer_for_write(&add);
        Tensor unused;
        kernels::gemm(kernels::transposed(dy2), rows_of(sx, unused), nullptr, dw, add);
      }
      if (gb.wanted()) {  // db (out) += Σ_rows dy
        float* db = gb.buffer_for_write(&add);
        column_sums(dy.f32(), rows, out, db, add);
      }
    });
  }
  return y;
}

}  // namespace lmf
