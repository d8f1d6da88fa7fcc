// Embedding lookup: forward (row gather) and backward (deterministic scatter-add) side
// by side.
#include "core/ops/embedding.h"

#include <omp.h>

#include <algorithm>
#include <cstring>

#include "core/autograd.h"

namespace lmf {
namespace {

constexpr int64_t kParallelMin = 16384;  // elements

// Columns [lo, hi) of C for thread id of nt, in whole cache lines (16 floats).
inline void column_block(int64_t C, int id, int nt, int64_t* lo, int64_t* hi) {
  int64_t per = ((C + nt - 1) / nt + 15) / 16 * 16;
  *lo = std::min(C, id * per);
  *hi = std::min(C, *lo + per);
}

// dtable (V, C) += Σ over rows n of dy[n] into row ids[n]; when `zero_first`, dtable is
// uninitialised and each thread zeroes its columns before adding.
void embedding_backward(const int32_t* ids, const float* dy, float* dtable, bool zero_first, int64_t N, int64_t V,
                        int64_t C) {
#pragma omp parallel if (N * C >= kParallelMin || V * C >= kParallelMin)
  {
    int64_t lo, hi;
    column_block(C, omp_get_thread_num(), omp_get_num_threads(), &lo, &hi);
    if (zero_first && lo < hi)
      for (int64_t v = 0; v < V; ++v) std::memset(dtable + v * C + lo, 0, size_t(hi - lo) * sizeof(float));
    for (int64_t n = 0; n < N && lo < hi; ++n) {
      float* __restrict dst = dtable + int64_t(ids[n]) * C;
      const float* src = dy + n * C;
      for (int64_t c = lo; c < hi; ++c) dst[c] += src[c];
    }
  }
}

}  // namespace

// ids (...) I32, table (V, C) → out (..., C) with out[n] = table[ids[n]].
Tensor embedding(const Tensor& ids_in, const Tensor& table_in) {
  LMF_CHECK_SHAPE(ids_in.defined() && ids_in.dtype() == DType::I32, "embedding",
                  "ids must be i32, got " + ids_in.str() + " (table " + table_in.str() + ")");
  check_f32(table_in, "embedding", "table");
  LMF_CHECK_SHAPE(table_in.dim() == 2, "embedding",
                  "table must be (V, C), got " + table_in.shape().str() + " (ids " + ids_in.shape().str() + ")");
  Tensor ids = ids_in.is_contiguous() ? ids_in : ids_in.to(DType::I32);
  Tensor table = table_in.contiguous();
  int64_t V = table.size(0), C = table.size(1), N = ids.numel();
  const int32_t* idp = ids.data<int32_t>();
  for (int64_t n = 0; n < N; ++n)
    LMF_CHECK_SHAPE(idp[n] >= 0 && idp[n] < V, "embedding",
                    "id " + std::to_string(idp[n]) + " at position " + std::to_string(n) + " of ids " +
                        ids.shape().str() + " is outside [0, V) for V = " + std::to_string(V) + " (table " +
                        table.shape().str() + ")");
  Shape os = ids.shape();
  os.push_back(C);
  Tensor out = Tensor::empty(os);
  const float* tp = table.f32();
  float* yp = out.f32();
#pragma omp parallel for schedule(static) if (N * C >= kParallelMin)
  for (int64_t n = 0; n < N; ++n) std::memcpy(yp + n * C, tp + int64_t(idp[n]) * C, size_t(C) * sizeof(float));
  if (autograd::should_record({&table})) {
    autograd::record("embedding", out, [gt = autograd::GradSink(table), ids, N, V, C](const Tensor& dy) mutable {
      bool add;
      float* g = gt.buffer_for_write(&add);
      embedding_backward(ids.data<int32_t>(), dy.f32(), g, !add, N, V, C);
    });
  }
  return out;
}

}  // namespace lmf
