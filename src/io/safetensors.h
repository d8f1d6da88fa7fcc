// safetensors reader and writer (the Hugging Face format: u64 little-endian header
// length, a JSON header {name: {dtype, shape, data_offsets}, "__metadata__": {...}},
// then the raw little-endian data).
//
// Reading memory-maps the file and validates the header fully (offsets inside the file,
// sizes consistent with dtype and shape, no overlap) before handing out tensors; a corrupt
// or truncated file is a FormatError naming the file and the tensor. F32 tensors are
// zero-copy copy-on-write views of the mapping when aligned; F16 and BF16 are converted to F32 on get().
#pragma once
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace lmf::io {

class SafetensorsFile {
 public:
  // Throws FormatError naming `path` on any problem.
  static SafetensorsFile open(const std::string& path);

  const std::string& path() const { return path_; }
  std::vector<std::string> names() const;  // in file order
  bool contains(const std::string& name) const { return entries_.count(name) != 0; }
  const Shape& shape(const std::string& name) const;
  DType dtype(const std::string& name) const;
  // The tensor as fp32 (F32 shared with the mapping when possible; F16/BF16/ints converted).
  Tensor get(const std::string& name) const;
  // The tensor in its stored dtype (a copy).
  Tensor get_raw(const std::string& name) const;
  const std::map<std::string, std::string>& metadata() const { return metadata_; }

 private:
  struct Entry {
    DType dtype;
    Shape shape;
    size_t begin, end;  // byte offsets within the data section
    size_t order;
  };
  const Entry& entry(const std::string& name) const;
  std::string path_;
  std::shared_ptr<void> map_;  // the mapping, unmapped when the last user goes
  const char* data_ = nullptr;  // start of the data section
  std::map<std::string, Entry> entries_;
  std::map<std::string, std::string> metadata_;
};

// Writes tensors (any dtype; non-contiguous ones are compacted) atomically.
void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata = {});

// safetensors dtype names ("F32", "BF16", ...) to DType and back.
DType safetensors_dtype(const std::string& name, const std::string& context);
const char* safetensors_dtype_name(DType t);

}  // namespace lmf::io
