// NumPy .npy files (format version 1.0): the header "\x93NUMPY", 1, 0, a little-endian
// uint16 length and a Python dict literal {'descr': '<f4', 'fortran_order': False, 'shape':
// (…), } padded with spaces to a multiple of 64 bytes ending in '\n', then the data in C
// order. numpy.load reads them; written atomically.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lmf::io {

// Writes `data` (the product of `shape` float32 values, row-major) to `path`.
void write_npy_f32(const std::string& path, const std::vector<float>& data, const std::vector<int64_t>& shape);

}  // namespace lmf::io
