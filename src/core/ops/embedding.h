// Embedding lookup: rows of a (V, C) table gathered by integer ids.
//
// ids are I32 of any shape; the result is ids.shape + (C). An id outside [0, V) is a
// ShapeError naming the id, its position and V. The backward scatter-adds each output
// row's gradient into the table row it came from; threads own disjoint column ranges and
// add rows in id order, so the result does not depend on scheduling.
#pragma once
#include "core/tensor.h"

namespace lmf {

Tensor embedding(const Tensor& ids, const Tensor& table);

}  // namespace lmf
