#include "core/ops/rope.h"

#include <algorithm>
#include <array>
#include <cmath>
#include <numeric>

#include "core/autograd.h"

namespace lmf {
namespace {

// cos/sin table: row t holds cos of the D/2 angles of position start + t, then their sin.
struct Table {
  int64_t start = 0, T = 0, D = 0;
  float theta = 0;
  Tensor cs;  // (T, D)
};

const float* cos_sin_table(int64_t start, int64_t T, int64_t D, float theta) {
  thread_local std::array<Table, 4> cache;
  thread_local size_t next = 0;
  for (const Table& e : cache)
    if (e.cs.defined() && e.start == start && e.T == T && e.D == D && e.theta == theta) return e.cs.f32();
  Table& e = cache[next];
  next = (next + 1) % cache.size();
  e = Table{start, T, D, theta, Tensor::empty({T, D})};
  const int64_t half = D / 2;
  float* cs = e.cs.f32();
  for (int64_t t = 0; t < T; ++t)
    for (int64_t i = 0; i < half; ++i) {
      const double angle = double(start + t) * std::pow(double(theta), -2.0 * double(i) / double(D));
      cs[t * D + i] = float(std::cos(angle));
      cs[t * D + half + i] = float(std::sin(angle));
    }
  return cs;
}

// A (B, H, T, D) tensor's row starts: p + b·sb + h·sh + t·st, unit stride in D.
struct Rows {
  float* p;
  int64_t sb, sh, st;
};
Rows rows_of(const Tensor& t) { return {t.f32(), t.stride(0), t.stride(1), t.stride(2)}; }

// dst = rotation of src by the table's angles (sign +1), or by their negatives (sign −1);
// with `add`, dst += instead. Row (b, t) uses table row t, or pos[b·T + t] when pos is set.
void rotate(const Rows& src, const Rows& dst, int64_t B, int64_t H, int64_t T, int64_t D, const float* cs,
            const int32_t* pos, float sign, bool add) {
  const int64_t half = D / 2, n = B * H * T;
#pragma omp parallel for schedule(static) if (n * D > 65536)
  for (int64_t r = 0; r < n; ++r) {
    const int64_t b = r / (H * T), h = (r / T) % H, t = r % T;
    const float* x = src.p + b * src.sb + h * src.sh + t * src.st;
    float* y = dst.p + b * dst.sb + h * dst.sh + t * dst.st;
    const float* c = cs + (pos ? int64_t(pos[b * T + t]) : t) * D;
    const float* s = c + half;
#pragma omp simd
    for (int64_t i = 0; i < half; ++i) {
      const float x1 = x[i], x2 = x[i + half], si = sign * s[i];
      const float y1 = x1 * c[i] - x2 * si, y2 = x2 * c[i] + x1 * si;
      y[i] = add ? y[i] + y1 : y1;
      y[i + half] = add ? y[i + half] + y2 : y2;
    }
  }
}

// An uninitialised tensor of x's shape with x's memory order when x is a permutation of a
// dense tensor (size-1 dims aside), else contiguous.
Tensor empty_in_layout_of(const Tensor& x) {
  const int nd = x.dim();
  std::array<int, Shape::kMaxDims> order{};
  std::iota(order.begin(), order.begin() + nd, 0);
  std::stable_sort(order.begin(), order.begin() + nd, [&](int a, int b) { return x.stride(a) > x.stride(b); });
  int64_t expect = 1;
  for (int k = nd - 1; k >= 0; --k) {
    const int d = order[k];
    if (x.size(d) == 1) continue;
    if (x.stride(d) != expect) return Tensor::empty(x.shape());
    expect *= x.size(d);
  }
  Shape base_shape;
  for (int k = 0; k < nd; ++k) base_shape.push_back(x.size(order[k]));
  Tensor v = Tensor::empty(base_shape);  // takes no part in autograd, so transposes are plain views
  for (int i = 0; i < nd; ++i) {  // bring original dim i to position i
    int k = int(std::find(order.begin() + i, order.begin() + nd, i) - order.begin());
    if (k != i) {
      v = v.transpose(i, k);
      std::swap(order[i], order[k]);
    }
  }
  return v;
}

// The rotation of x (B, H, T, D) by the angles of table rows `start`..`start + rows` (row
// (b, t) taking row pos[b·T + t] when `positions` is defined, else t), and its backward.
Tensor rope_impl(const Tensor& x_in, int64_t start, int64_t rows, const Tensor& positions, float theta) {
  const Tensor x = x_in.stride(3) == 1 || x_in.size(3) == 1 ? x_in : x_in.contiguous();
  const int64_t B = x.size(0), H = x.size(1), T = x.size(2), D = x.size(3);
  Tensor y = empty_in_layout_of(x);
  if (y.numel() == 0) return y;
  const int32_t* pos = positions.defined() ? positions.data<int32_t>() : nullptr;
  rotate(rows_of(x), rows_of(y), B, H, T, D, cos_sin_table(start, rows, D, theta), pos, 1.0f, false);

  if (autograd::should_record({&x_in})) {
    autograd::record("rope", y, [gx = autograd::GradSink(x_in), B, H, T, D, start, rows, positions, theta](const Tensor& dy_in) mutable {
      Tensor dy = dy_in.stride(3) == 1 ? dy_in : dy_in.contiguous();
      bool add = false;
      float* dx = gx.buffer_for_write(&add);  // contiguous (B, H, T, D)
      Rows dst{dx, H * T * D, T * D, D};
      const int32_t* pos = positions.defined() ? positions.data<int32_t>() : nullptr;
      rotate(rows_of(dy), dst, B, H, T, D, cos_sin_table(start, rows, D, theta), pos, -1.0f, add);
    });
  }
  return y;
}

void check_x(const Tensor& x, float theta) {
  check_f32(x, "rope", "x");
  LMF_CHECK_SHAPE(x.dim() == 4 && x.size(3) % 2 == 0, "rope", "x " + x.str() + ": need (B, H, T, D) with D even");
  LMF_CHECK_SHAPE(theta > 0, "rope", "theta " + std::to_string(theta) + " must be > 0");
}

}  // namespace

Tensor rope(const Tensor& x, int64_t start_pos, float theta) {
  check_x(x, theta);
  LMF_CHECK_SHAPE(start_pos >= 0, "rope", "start_pos " + std::to_string(start_pos) + " must be >= 0");
  return rope_impl(x, start_pos, x.size(2), Tensor(), theta);
}

Tensor rope(const Tensor& x, const Tensor& positions, float theta) {
  check_x(x, theta);
  LMF_CHECK_SHAPE(positions.defined() && positions.dtype() == DType::I32 && positions.dim() == 2 &&
                      positions.size(0) == x.size(0) && positions.size(1) == x.size(2),
                  "rope", "positions " + (positions.defined() ? positions.str() : std::string("undefined")) +
                              " must be i32 (B, T) for x " + x.str());
  const Tensor pos = positions.contiguous();
  int32_t hi = 0;
  for (int64_t i = 0; i < pos.numel(); ++i) {
    const int32_t p = pos.data<int32_t>()[i];
    LMF_CHECK_SHAPE(p >= 0, "rope", "position " + std::to_string(p) + " at index " + std::to_string(i) + " is negative");
    hi = std::max(hi, p);
  }
  return rope_impl(x, 0, int64_t(hi) + 1, pos, theta);
}

}  // namespace lmf
