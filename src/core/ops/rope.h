// Rotary position embedding (RoPE), Hugging Face's rotate-half convention, with backward.
//
//   rope(x, start_pos, theta):  x (B, H, T, D), D even -> (B, H, T, D)
//     y = x·cos + rotate_half(x)·sin,   rotate_half(x) = [−x[D/2:], x[:D/2]]
//     cos/sin of column j use angle (start_pos + t) · inv_freq[j mod D/2],
//     inv_freq[i] = theta^(−2i/D)
//   rope(x, positions, theta):  the same with the angle of row (b, t) taken at position
//     positions[b, t] (I32 (B, T), >= 0), e.g. packed sequences whose positions restart
//     at 0 for each example (Hugging Face's position_ids).
//
// i.e. each pair (x[i], x[i + D/2]) is rotated by its angle. Backward is the inverse
// rotation of dy: dx[i] = dy[i]·c + dy[i+D/2]·s, dx[i+D/2] = dy[i+D/2]·c − dy[i]·s.
//
// Angles and their cos/sin are computed in double precision and rounded once to float,
// so positions in the thousands lose nothing to float angle error (Hugging Face computes
// them in float and can differ from the exact rotation by ~1e-4 at such positions).
// The cos/sin table is cached per thread for the last few (start_pos, T, D, theta), so a
// model's layers share one table per step. x may have any strides with a unit stride in
// D; the result has x's memory order when x is a permuted dense tensor (e.g. a (B,H,T,D)
// view of (B,T,H,D) memory stays one), else it is contiguous.
#pragma once
#include <cstdint>

#include "core/tensor.h"

namespace lmf {

Tensor rope(const Tensor& x, int64_t start_pos, float theta = 10000.f);
Tensor rope(const Tensor& x, const Tensor& positions, float theta = 10000.f);

}  // namespace lmf
