// Whole-buffer sums in a fixed order: the kernel under sum/mean (core/ops/reduce.h) and
// gradient-norm clipping (core/optim/clip.h).
//
//   sum(x, n)         = Σ x[i]
//   sum_squares(x, n) = Σ x[i]²          over n contiguous floats, accumulated in double
//
// Promises: the sum is taken over fixed 16384-element blocks (in parallel over OpenMP
// threads when there are at least 4 blocks), then the block sums are added in block
// order. The order depends only on n, never on the thread count, so results are
// bit-identical run to run and across thread counts. Not reentrant inside an OpenMP
// parallel region of the caller's (the block sums live in a per-thread buffer that grows
// once and is reused).
#pragma once
#include <cstdint>

namespace lmf::kernels {

double sum(const float* x, int64_t n);
double sum_squares(const float* x, int64_t n);

}  // namespace lmf::kernels
