#include "io/npy.h"

#include "core/error.h"
#include "io/atomic_file.h"

namespace lmf::io {

void write_npy_f32(const std::string& path, const std::vector<float>& data, const std::vector<int64_t>& shape) {
  int64_t count = 1;
  std::string dims;
  for (int64_t d : shape) {
    count *= d;
    dims += std::to_string(d) + ", ";
  }
  if (count != int64_t(data.size()))
    throw Error(path + ": " + std::to_string(data.size()) + " values do not fill the shape (" + dims + ")");
  if (shape.size() > 1) dims.erase(dims.size() - 2);  // (n, d); a 1-d shape keeps its comma: (n,)
  else if (!dims.empty()) dims.pop_back();
  std::string header = "{'descr': '<f4', 'fortran_order': False, 'shape': (" + dims + "), }";
  const size_t unpadded = 10 + header.size() + 1;  // magic, version, length, dict, '\n'
  header.append((64 - unpadded % 64) % 64, ' ');
  header += '\n';
  write_file_atomic(path, [&](std::ostream& out) {
    const uint16_t len = uint16_t(header.size());
    const char pre[10] = {'\x93', 'N', 'U', 'M', 'P', 'Y', 1, 0, char(len & 0xff), char(len >> 8)};
    out.write(pre, sizeof pre);
    out << header;
    out.write(reinterpret_cast<const char*>(data.data()), std::streamsize(data.size() * sizeof(float)));  // x86-64: little-endian
  });
}

}  // namespace lmf::io
