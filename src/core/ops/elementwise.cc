// Elementwise arithmetic with broadcasting; forward and backward side by side.
//
// Every binary op runs through a Plan: the output's dims with extent-1 dims dropped and
// neighbours merged wherever all operands can walk them as one run. The common cases
// then need no special code: same shapes merge to one long run; a bias (N,C)+(C) becomes
// N rows of C with the bias's stride 0 along rows; (B,T,C)+(T,C) becomes B rows of T·C.
// Rows (split further when long) are spread over OpenMP threads; the innermost run is a
// plain loop the compiler vectorises. Gradient reductions over broadcast dims give each
// output element to exactly one thread and sum in a fixed order, so results do not
// depend on scheduling.
#include "core/ops/elementwise.h"

#include <algorithm>
#include <omp.h>

#include "core/autograd.h"
#include "core/kernels/grad_store.h"
#include "core/kernels/pointwise.h"

namespace lmf {
namespace {

using autograd::GradSink;

constexpr int kMaxOperands = 3;
constexpr int64_t kChunk = 16384;         // elements per parallel task along a long row
constexpr int64_t kParallelMin = 32768;   // below this many elements, stay on one thread

// Iteration plan over an output shape for up to three operands (operand 0 is usually the
// output itself). stride[k][d] is operand k's step in elements along dim d, 0 where k is
// broadcast. The innermost stride of a contiguous operand is therefore 0 or 1.
struct Plan {
  int nd = 0;
  int n_ops = 0;
  int64_t size[Shape::kMaxDims];
  int64_t stride[kMaxOperands][Shape::kMaxDims];

  int64_t inner() const { return size[nd - 1]; }
  int64_t rows() const {
    int64_t r = 1;
    for (int d = 0; d + 1 < nd; ++d) r *= size[d];
    return r;
  }
  // Offset of operand k at the start of row r (rows enumerate all dims but the last).
  int64_t row_offset(int k, int64_t r) const {
    int64_t off = 0;
    for (int d = nd - 2; d >= 0 && r > 0; --d) {
      off += (r % size[d]) * stride[k][d];
      r /= size[d];
    }
    return off;
  }
  bool unit_inner(int k) const { return stride[k][nd - 1] != 0; }
};

// Plan for contiguous operands of the given shapes, each broadcastable to `out`.
Plan make_plan(const Shape& out, std::initializer_list<const Shape*> shapes) {
  Plan p;
  p.n_ops = int(shapes.size());
  int on = out.ndim();
  int64_t full[kMaxOperands][Shape::kMaxDims];
  int k = 0;
  for (const Shape* s : shapes) {  // contiguous strides, right-aligned, 0 where broadcast
    int64_t acc = 1;
    for (int d = on - 1; d >= 0; --d) {
      int sd = d - (on - s->ndim());
      int64_t ext = sd >= 0 ? (*s)[sd] : 1;
      full[k][d] = ext == 1 ? 0 : acc;
      acc *= ext;
    }
    ++k;
  }
  for (int d = 0; d < on; ++d) {
    if (out[d] == 1) continue;
    bool merge = p.nd > 0;
    for (int j = 0; j < p.n_ops && merge; ++j) merge = p.stride[j][p.nd - 1] == full[j][d] * out[d];
    if (merge) {
      p.size[p.nd - 1] *= out[d];
      for (int j = 0; j < p.n_ops; ++j) p.stride[j][p.nd - 1] = full[j][d];
    } else {
      p.size[p.nd] = out[d];
      for (int j = 0; j < p.n_ops; ++j) p.stride[j][p.nd] = full[j][d];
      ++p.nd;
    }
  }
  if (p.nd == 0) {  // every extent is 1: one element
    p.nd = 1;
    p.size[0] = 1;
    for (int j = 0; j < p.n_ops; ++j) p.stride[j][0] = 0;
  }
  return p;
}

// Calls f(row, begin, end) for pieces of every row of the plan, spread over threads.
template <class F>
void for_each_piece(const Plan& p, F&& f) {
  int64_t rows = p.rows(), inner = p.inner();
  int64_t per_row = std::max<int64_t>(1, inner / kChunk);
  int64_t chunk = (inner + per_row - 1) / per_row;
  int64_t tasks = rows * per_row;
#pragma omp parallel for schedule(static) if (rows * inner >= kParallelMin)
  for (int64_t t = 0; t < tasks; ++t) {
    int64_t r = t / per_row, b = (t % per_row) * chunk;
    f(r, b, std::min(inner, b + chunk));
  }
}

enum class Op { Add, Sub, Mul };

template <Op OP>
inline float apply(float x, float y) {
  if constexpr (OP == Op::Add) return x + y;
  if constexpr (OP == Op::Sub) return x - y;
  return x * y;
}

// o[i] = a[i] OP b[i] along one run; A1/B1 say whether a/b advance (else broadcast).
template <Op OP, bool A1, bool B1>
void binary_run(float* __restrict o, const float* a, const float* b, int64_t n) {
  for (int64_t i = 0; i < n; ++i) o[i] = apply<OP>(a[A1 ? i : 0], b[B1 ? i : 0]);
}

template <Op OP, bool A1, bool B1>
void binary_plan(const Plan& p, float* o, const float* a, const float* b) {
  for_each_piece(p, [&](int64_t r, int64_t lo, int64_t hi) {
    binary_run<OP, A1, B1>(o + p.row_offset(0, r) + lo, a + p.row_offset(1, r) + (A1 ? lo : 0),
                           b + p.row_offset(2, r) + (B1 ? lo : 0), hi - lo);
  });
}

template <Op OP>
void binary_kernel(const Plan& p, float* o, const float* a, const float* b) {
  bool a1 = p.unit_inner(1), b1 = p.unit_inner(2);
  if (a1 && b1) binary_plan<OP, true, true>(p, o, a, b);
  else if (a1) binary_plan<OP, true, false>(p, o, a, b);
  else if (b1) binary_plan<OP, false, true>(p, o, a, b);
  else binary_plan<OP, false, false>(p, o, a, b);
}

// Backward of a broadcast operand t: grad_t += sum over t's broadcast dims of
// sign · dy · other, where `other` (the opposite factor of a product, broadcast to dy's
// shape) is 1 when undefined.
template <bool HasOther, bool O1>
void reduce_grad_kernel(GradSink& sink, const Plan& p, const float* dy, const float* other, float sign,
                        bool reduces) {
  auto coef = [&](int64_t i, int64_t dy_off, int64_t o_off) {
    float v = sign * dy[dy_off + i];
    if constexpr (HasOther) v *= other[o_off + (O1 ? i : 0)];
    return v;
  };
  if (!reduces) {  // same shape as dy: one write (or add) per element
    bool add;
    float* g = sink.buffer_for_write(&add);
    for_each_piece(p, [&](int64_t r, int64_t lo, int64_t hi) {
      int64_t go = p.row_offset(0, r), oo = HasOther ? p.row_offset(2, r) : 0;
      kernels::store_or_add(g + go, add, lo, hi, [&](int64_t i) { return coef(i, go, oo); });
    });
    return;
  }
  float* g = sink.buffer();
  int64_t rows = p.rows(), inner = p.inner();
  bool parallel = rows * inner >= kParallelMin;
  if (p.unit_inner(1)) {
    // t keeps the innermost run: columns are split between threads, each thread adds its
    // columns of every row in row order.
#pragma omp parallel if (parallel)
    {
      int nt = omp_get_num_threads(), id = omp_get_thread_num();
      int64_t per = (inner + nt - 1) / nt;
      per = (per + 15) / 16 * 16;  // whole cache lines per thread
      int64_t lo = std::min(inner, id * per), hi = std::min(inner, lo + per);
      for (int64_t r = 0; r < rows && lo < hi; ++r) {
        int64_t dyo = p.row_offset(0, r), oo = HasOther ? p.row_offset(2, r) : 0;
        float* __restrict gr = g + p.row_offset(1, r);
        for (int64_t i = lo; i < hi; ++i) gr[i] += coef(i, dyo, oo);
      }
    }
    return;
  }
  // t is broadcast along the innermost run: each row sums to one element of t. Rows go to
  // threads only when no two rows share an element (t broadcast along no outer dim).
  bool distinct = true;
  for (int d = 0; d + 1 < p.nd; ++d) distinct = distinct && p.stride[1][d] != 0;
#pragma omp parallel for schedule(static) if (parallel && distinct)
  for (int64_t r = 0; r < rows; ++r) {
    int64_t dyo = p.row_offset(0, r), oo = HasOther ? p.row_offset(2, r) : 0;
    float s = 0;
#pragma omp simd reduction(+ : s)
    for (int64_t i = 0; i < inner; ++i) s += coef(i, dyo, oo);
    g[p.row_offset(1, r)] += s;
  }
}

// grad of t (shape sink.shape()) from dy, times `other` when defined (contiguous).
void reduce_grad(GradSink& sink, const Tensor& dy, const Tensor& other, float sign) {
  const Shape& ds = dy.shape();
  bool reduces = sink.shape().numel() != ds.numel();
  // Operand 0 is dy (and the same-shape gradient), 1 the target, 2 the other factor.
  Plan p = other.defined() ? make_plan(ds, {&ds, &sink.shape(), &other.shape()}) : make_plan(ds, {&ds, &sink.shape()});
  const float* d = dy.f32();
  if (!other.defined()) return reduce_grad_kernel<false, false>(sink, p, d, nullptr, sign, reduces);
  if (p.unit_inner(2)) return reduce_grad_kernel<true, true>(sink, p, d, other.f32(), sign, reduces);
  reduce_grad_kernel<true, false>(sink, p, d, other.f32(), sign, reduces);
}

template <Op OP>
Tensor binary(const char* name, const Tensor& a_in, const Tensor& b_in) {
  check_f32(a_in, name, "a");
  check_f32(b_in, name, "b");
  Shape os = broadcast_shape(a_in.shape(), b_in.shape(), name);
  Tensor a = a_in.contiguous(), b = b_in.contiguous();
  Tensor out = Tensor::empty(os);
  if (os.numel() > 0) binary_kernel<OP>(make_plan(os, {&os, &a.shape(), &b.shape()}), out.f32(), a.f32(), b.f32());
  if (autograd::should_record({&a, &b})) {
    GradSink ga(a), gb(b);
    // A product's backward needs the other factor; sums need nothing saved.
    Tensor save_a = OP == Op::Mul && gb.wanted() ? a.detach() : Tensor();
    Tensor save_b = OP == Op::Mul && ga.wanted() ? b.detach() : Tensor();
    autograd::record(name, out, [ga, gb, save_a, save_b](const Tensor& dy) mutable {
      if (ga.wanted()) reduce_grad(ga, dy, save_b, 1.0f);
      if (gb.wanted()) reduce_grad(gb, dy, save_a, OP == Op::Sub ? -1.0f : 1.0f);
    });
  }
  return out;
}

// y = x * s + t elementwise; backward: grad_x += s · dy.
Tensor affine(const char* name, const Tensor& x_in, float s, float t) {
  check_f32(x_in, name, "x");
  Tensor x = x_in.contiguous();
  Tensor out = Tensor::empty(x.shape());
  kernels::map(x.f32(), out.f32(), x.numel(), kParallelMin, [s, t](float v) { return v * s + t; });
  if (autograd::should_record({&x})) {
    autograd::record(name, out, [gx = GradSink(x), s](const Tensor& dy) mutable {
      bool add;
      float* g = gx.buffer_for_write(&add);
      const float* d = dy.f32();
      kernels::store_or_add_parallel(g, add, dy.numel(), kParallelMin, [&](int64_t i) { return s * d[i]; });
    });
  }
  return out;
}

}  // namespace

Shape broadcast_shape(const Shape& a, const Shape& b, const char* op) {
  int n = std::max(a.ndim(), b.ndim());
  Shape out;
  for (int d = 0; d < n; ++d) {
    int da = d - (n - a.ndim()), db = d - (n - b.ndim());
    int64_t ea = da >= 0 ? a[da] : 1, eb = db >= 0 ? b[db] : 1;
    LMF_CHECK_SHAPE(ea == eb || ea == 1 || eb == 1, op,
                    "shapes " + a.str() + " and " + b.str() + " do not broadcast (dim " + std::to_string(d) + ")");
    out.push_back(ea == 1 ? eb : ea);
  }
  return out;
}

Tensor add(const Tensor& a, const Tensor& b) { return binary<Op::Add>("add", a, b); }
Tensor sub(const Tensor& a, const Tensor& b) { return binary<Op::Sub>("sub", a, b); }
Tensor mul(const Tensor& a, const Tensor& b) { return binary<Op::Mul>("mul", a, b); }
Tensor scale(const Tensor& x, float s) { return affine("scale", x, s, 0.0f); }
Tensor add_scalar(const Tensor& x, float s) { return affine("add_scalar", x, 1.0f, s); }

}  // namespace lmf
