#include "core/ops/dropout.h"

#include "core/autograd.h"
#include "core/random.h"

namespace lmf {
namespace {

// out[i] = (uniform_at(seed, i) >= p) ? in[i]·scale : 0 for i < n (add: out[i] += ...).
// Philox gives four words per counter, so the loop walks blocks of four elements.
void masked_scale(const float* in, float* out, int64_t n, float p, float scale, uint64_t seed, bool add) {
  const int64_t nblocks = (n + 3) / 4;
#pragma omp parallel for schedule(static) if (n > 32768)
  for (int64_t b = 0; b < nblocks; ++b) {
    uint32_t r[4];
    Philox::block(seed, uint64_t(b), r);
    const int64_t i0 = b * 4, w = n - i0 < 4 ? n - i0 : 4;
    for (int64_t j = 0; j < w; ++j) {
      const float v = Philox::uniform(r[j]) >= p ? in[i0 + j] * scale : 0.0f;
      if (add) out[i0 + j] += v;
      else out[i0 + j] = v;
    }
  }
}

}  // namespace

// Forward: y = mask·x/(1-p).  Backward: dx += mask·dy/(1-p), mask recomputed.
Tensor dropout(const Tensor& x, float p, uint64_t seed) {
  check_f32(x, "dropout", "x");
  if (!(p >= 0.0f && p <= 1.0f)) throw Error("dropout: p must be in [0, 1], got " + std::to_string(p));
  if (p == 0.0f) return x;
  const float scale = p < 1.0f ? 1.0f / (1.0f - p) : 0.0f;
  Tensor xc = x.contiguous();
  Tensor y = Tensor::empty(x.shape());
  const int64_t n = x.numel();
  masked_scale(xc.f32(), y.f32(), n, p, scale, seed, false);
  if (autograd::should_record({&x})) {
    autograd::record("dropout", y, [gx = autograd::GradSink(x), p, scale, seed, n](const Tensor& dy) mutable {
      Tensor dyc = dy.contiguous();
      masked_scale(dyc.f32(), gx.buffer(), n, p, scale, seed, true);
    });
  }
  return y;
}

}  // namespace lmf
