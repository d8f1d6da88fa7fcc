// GGUF v3 reader and writer (the file format of llama.cpp and ggml, described in ggml's
// docs/gguf.md). Little-endian throughout:
//   "GGUF" u32 version=3 u64 n_tensors u64 n_kv
//   n_kv × (string key, u32 type, value)            metadata, typed (GgufType)
//   n_tensors × (string name, u32 n_dims, u64 ne[n_dims], u32 ggml type, u64 offset)
//   padding to the alignment, then the data section; each tensor's data starts at
//   data section + offset, a multiple of the alignment (`general.alignment`, u32, default 32).
// A string is a u64 length and that many bytes (no terminator). An array value is a u32
// element type, a u64 count and the elements. ne[0] is the innermost (contiguous)
// extent: a PyTorch tensor of shape [out, in] is ne = {in, out} with the same bytes.
//
// Reading memory-maps the file and validates all of it before handing anything out:
// magic, version, every type number, string lengths and counts against the bytes left,
// key and tensor names unique, dimensions positive with products that do not overflow,
// rows a whole number of blocks, data offsets aligned and inside the file, tensors not
// overlapping. Any problem is a FormatError naming the file and the key or tensor.
// Writing is atomic (io/atomic_file.h).
#pragma once
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "core/quant/ggml_type.h"
#include "core/tensor.h"

namespace lmf::io {

enum class GgufType : uint32_t {
  U8 = 0, I8 = 1, U16 = 2, I16 = 3, U32 = 4, I32 = 5, F32 = 6, Bool = 7, String = 8, Array = 9,
  U64 = 10, I64 = 11, F64 = 12,
};
const char* gguf_type_name(GgufType t);  // "u32", "string", "array", ...

// A metadata value: an integer, a float, a bool, a string, or an array of values of one type.
struct GgufValue {
  GgufType type = GgufType::U32;
  uint64_t u = 0;                 // U8, U16, U32, U64, Bool
  int64_t i = 0;                  // I8, I16, I32, I64
  double f = 0;                   // F32, F64
  std::string s;                  // String
  GgufType elem = GgufType::U8;   // Array: the element type
  std::vector<GgufValue> items;   // Array: the elements (each of type elem)

  static GgufValue u32(uint32_t v) { return uint_of(GgufType::U32, v); }
  static GgufValue u64(uint64_t v) { return uint_of(GgufType::U64, v); }
  static GgufValue i32(int32_t v) { return int_of(GgufType::I32, v); }
  static GgufValue f32(float v) { GgufValue x; x.type = GgufType::F32; x.f = v; return x; }
  static GgufValue f64(double v) { GgufValue x; x.type = GgufType::F64; x.f = v; return x; }
  static GgufValue boolean(bool v) { return uint_of(GgufType::Bool, v ? 1 : 0); }
  static GgufValue string(std::string v) { GgufValue x; x.type = GgufType::String; x.s = std::move(v); return x; }
  static GgufValue uint_of(GgufType t, uint64_t v) { GgufValue x; x.type = t; x.u = v; return x; }
  static GgufValue int_of(GgufType t, int64_t v) { GgufValue x; x.type = t; x.i = v; return x; }
  // An array of `elem` values; lmf::Error when an item has another type.
  static GgufValue array(GgufType elem, std::vector<GgufValue> items);
  static GgufValue strings(const std::vector<std::string>& v);
  static GgufValue int32s(const std::vector<int32_t>& v);

  // Typed reads; FormatError naming `what` (e.g. "model.gguf: key 'llama.block_count'")
  // when the value has another type. as_int accepts every integer type (a u64 above
  // INT64_MAX fails); as_float F32 and F64.
  int64_t as_int(const std::string& what) const;
  double as_float(const std::string& what) const;
  bool as_bool(const std::string& what) const;
  const std::string& as_string(const std::string& what) const;
  // The items of an array whose elements are `elem`.
  const std::vector<GgufValue>& as_array(GgufType elem, const std::string& what) const;
};

struct GgufTensorInfo {
  std::string name;
  std::vector<int64_t> ne;  // extents, innermost first (1 to 4 of them)
  quant::GgmlType type = quant::GgmlType::F32;
  uint64_t offset = 0;      // within the data section
  uint64_t nbytes = 0;
  int64_t numel() const;
  Shape shape() const;      // PyTorch order: ne reversed
};

class GgufFile {
 public:
  // FormatError naming `path` (and the key or tensor) on any problem.
  static GgufFile open(const std::string& path);

  const std::string& path() const { return path_; }
  uint32_t version() const { return version_; }
  uint64_t alignment() const { return alignment_; }
  // Metadata in file order.
  const std::vector<std::pair<std::string, GgufValue>>& metadata() const { return kv_; }
  const GgufValue* find(const std::string& key) const;
  const GgufValue& get(const std::string& key) const;  // FormatError naming the file and key when missing
  // Tensors in file order.
  const std::vector<GgufTensorInfo>& tensors() const { return tensors_; }
  const GgufTensorInfo* find_tensor(const std::string& name) const;
  const GgufTensorInfo& tensor(const std::string& name) const;  // FormatError naming file and tensor
  const uint8_t* data(const GgufTensorInfo& t) const { return data_ + t.offset; }
  // The tensor converted to fp32 in PyTorch order (shape ne reversed); FormatError when
  // its type cannot be converted (quant/convert.h).
  Tensor get_f32(const std::string& name) const;

 private:
  std::string path_;
  uint32_t version_ = 0;
  uint64_t alignment_ = 32;
  std::shared_ptr<void> map_;
  const uint8_t* data_ = nullptr;
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::map<std::string, size_t> kv_index_;
  std::vector<GgufTensorInfo> tensors_;
  std::map<std::string, size_t> tensor_index_;
};

// Collects metadata and tensors, then writes a GGUF v3 file atomically.
class GgufWriter {
 public:
  // Sets `key` (a later set of the same key replaces the value in place).
  void set(const std::string& key, GgufValue v);
  // Adds a tensor: ne innermost first, data exactly the bytes its type and ne take
  // (lmf::Error otherwise, or for a duplicate name).
  void add_tensor(const std::string& name, std::vector<int64_t> ne, quant::GgmlType type, std::vector<uint8_t> data);
  // Alignment: general.alignment when set (a u32 power of two), else 32.
  void write(const std::string& path) const;

 private:
  struct Pending {
    GgufTensorInfo info;
    std::vector<uint8_t> data;
  };
  std::vector<std::pair<std::string, GgufValue>> kv_;
  std::vector<Pending> tensors_;
};

}  // namespace lmf::io
