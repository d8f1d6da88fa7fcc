// Element-wise copy or add between two fp32 layouts of the same shape:
//   dst[i] = src[i]   or   dst[i] += src[i]   for every index i of `shape`,
// each side addressed by its own strides (in elements). Dims that are contiguous on both
// sides are merged first, so a copy between views that share their inner rows (a
// transpose of outer dims, a slice, a window) runs as vectorised row loops, in parallel
// over rows when there are many. dst must not overlap src.
#pragma once
#include <cstdint>

#include "core/shape.h"

namespace lmf::kernels {

void strided_copy(float* dst, const Shape& dst_strides, const float* src, const Shape& src_strides, const Shape& shape,
                  bool add);

}  // namespace lmf::kernels
