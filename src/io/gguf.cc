#include "io/gguf.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "core/error.h"
#include "core/quant/convert.h"
#include "io/atomic_file.h"

namespace lmf::io {
namespace {

constexpr uint32_t kVersion = 3;
constexpr uint64_t kDefaultAlignment = 32;
constexpr int kMaxDims = 4;             // GGML_MAX_DIMS
constexpr size_t kMaxTensorName = 63;   // ggml keeps names in 64 bytes with the terminator
constexpr int kMaxArrayDepth = 8;

struct Mapping {
  void* addr = nullptr;
  size_t len = 0;
  ~Mapping() {
    if (addr && len) ::munmap(addr, len);
  }
};

bool valid_type(uint32_t t) { return t <= uint32_t(GgufType::F64); }

// Bytes of a scalar type; 0 for String and Array.
size_t scalar_size(GgufType t) {
  switch (t) {
    case GgufType::U8: case GgufType::I8: case GgufType::Bool: return 1;
    case GgufType::U16: case GgufType::I16: return 2;
    case GgufType::U32: case GgufType::I32: case GgufType::F32: return 4;
    case GgufType::U64: case GgufType::I64: case GgufType::F64: return 8;
    default: return 0;
  }
}

// The fewest bytes one value of type t takes in a file (for bounding counts).
size_t min_value_size(GgufType t) {
  if (t == GgufType::String) return 8;
  if (t == GgufType::Array) return 4 + 8;
  return scalar_size(t);
}

// Reads the header and tensor infos; every read is checked against the end of the file.
class Reader {
 public:
  Reader(const uint8_t* p, size_t len, const std::string& path) : p_(p), len_(len), path_(path) {}

  size_t pos() const { return pos_; }
  size_t left() const { return len_ - pos_; }

  [[noreturn]] void fail(const std::string& what, const std::string& msg) const {
    throw FormatError(path_ + ": " + what + ": " + msg);
  }
  void need(size_t n, const std::string& what) const {
    if (n > left())
      fail(what, "truncated file (needs " + std::to_string(n) + " bytes at offset " + std::to_string(pos_) +
                     ", the file has " + std::to_string(left()) + " left)");
  }
  template <class T>
  T read(const std::string& what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, p_ + pos_, sizeof(T));
    pos_ += sizeof(T);
    return v;
  }
  std::string string(const std::string& what) {
    uint64_t n = read<uint64_t>(what + " (string length)");
    if (n > left())
      fail(what, "string length " + std::to_string(n) + " exceeds the " + std::to_string(left()) +
                     " bytes left in the file");
    std::string s(reinterpret_cast<const char*>(p_ + pos_), size_t(n));
    pos_ += size_t(n);
    return s;
  }
  GgufType type(const std::string& what) {
    uint32_t t = read<uint32_t>(what + " (value type)");
    if (!valid_type(t)) fail(what, "unknown value type " + std::to_string(t));
    return GgufType(t);
  }
  GgufValue value(GgufType t, const std::string& what, int depth) {
    GgufValue v;
    v.type = t;
    switch (t) {
      case GgufType::U8: v.u = read<uint8_t>(what); break;
      case GgufType::U16: v.u = read<uint16_t>(what); break;
      case GgufType::U32: v.u = read<uint32_t>(what); break;
      case GgufType::U64: v.u = read<uint64_t>(what); break;
      case GgufType::I8: v.i = read<int8_t>(what); break;
      case GgufType::I16: v.i = read<int16_t>(what); break;
      case GgufType::I32: v.i = read<int32_t>(what); break;
      case GgufType::I64: v.i = read<int64_t>(what); break;
      case GgufType::F32: v.f = read<float>(what); break;
      case GgufType::F64: v.f = read<double>(what); break;
      case GgufType::Bool: {
        uint8_t b = read<uint8_t>(what);
        if (b > 1) fail(what, "bool value " + std::to_string(b) + " (must be 0 or 1)");
        v.u = b;
        break;
      }
      case GgufType::String: v.s = string(what); break;
      case GgufType::Array: {
        if (depth >= kMaxArrayDepth) fail(what, "arrays nested deeper than " + std::to_string(kMaxArrayDepth));
        v.elem = type(what + " (array element type)");
        uint64_t n = read<uint64_t>(what + " (array length)");
        if (n > left() / min_value_size(v.elem))
          fail(what, "array of " + std::to_string(n) + " " + gguf_type_name(v.elem) + " values exceeds the " +
                         std::to_string(left()) + " bytes left in the file");
        v.items.reserve(size_t(n));
        for (uint64_t k = 0; k < n; ++k) v.items.push_back(value(v.elem, what, depth + 1));
        break;
      }
    }
    return v;
  }

 private:
  const uint8_t* p_;
  size_t len_;
  size_t pos_ = 0;
  const std::string& path_;
};

bool mul_ok(uint64_t a, uint64_t b, uint64_t& out) { return !__builtin_mul_overflow(a, b, &out); }

void write_value(std::string& out, const GgufValue& v);

template <class T>
void put(std::string& out, T v) {
  out.append(reinterpret_cast<const char*>(&v), sizeof(T));
}
void put_string(std::string& out, const std::string& s) {
  put<uint64_t>(out, s.size());
  out += s;
}

void write_value(std::string& out, const GgufValue& v) {
  switch (v.type) {
    case GgufType::U8: put<uint8_t>(out, uint8_t(v.u)); break;
    case GgufType::U16: put<uint16_t>(out, uint16_t(v.u)); break;
    case GgufType::U32: put<uint32_t>(out, uint32_t(v.u)); break;
    case GgufType::U64: put<uint64_t>(out, v.u); break;
    case GgufType::I8: put<int8_t>(out, int8_t(v.i)); break;
    case GgufType::I16: put<int16_t>(out, int16_t(v.i)); break;
    case GgufType::I32: put<int32_t>(out, int32_t(v.i)); break;
    case GgufType::I64: put<int64_t>(out, v.i); break;
    case GgufType::F32: put<float>(out, float(v.f)); break;
    case GgufType::F64: put<double>(out, v.f); break;
    case GgufType::Bool: put<uint8_t>(out, v.u ? 1 : 0); break;
    case GgufType::String: put_string(out, v.s); break;
    case GgufType::Array:
      put<uint32_t>(out, uint32_t(v.elem));
      put<uint64_t>(out, v.items.size());
      for (auto& it : v.items) write_value(out, it);
      break;
  }
}

uint64_t align_up(uint64_t x, uint64_t a) { return (x + a - 1) / a * a; }

}  // namespace

const char* gguf_type_name(GgufType t) {
  switch (t) {
    case GgufType::U8: return "u8";
    case GgufType::I8: return "i8";
    case GgufType::U16: return "u16";
    case GgufType::I16: return "i16";
    case GgufType::U32: return "u32";
    case GgufType::I32: return "i32";
    case GgufType::F32: return "f32";
    case GgufType::Bool: return "bool";
    case GgufType::String: return "string";
    case GgufType::Array: return "array";
    case GgufType::U64: return "u64";
    case GgufType::I64: return "i64";
    case GgufType::F64: return "f64";
  }
  return "?";
}

GgufValue GgufValue::array(GgufType elem, std::vector<GgufValue> items) {
  for (auto& it : items)
    if (it.type != elem)
      throw Error(std::string("GgufValue::array: an item of type ") + gguf_type_name(it.type) + " in an array of " +
                  gguf_type_name(elem));
  GgufValue x;
  x.type = GgufType::Array;
  x.elem = elem;
  x.items = std::move(items);
  return x;
}

GgufValue GgufValue::strings(const std::vector<std::string>& v) {
  std::vector<GgufValue> items;
  items.reserve(v.size());
  for (auto& s : v) items.push_back(string(s));
  return array(GgufType::String, std::move(items));
}

GgufValue GgufValue::int32s(const std::vector<int32_t>& v) {
  std::vector<GgufValue> items;
  items.reserve(v.size());
  for (int32_t x : v) items.push_back(i32(x));
  return array(GgufType::I32, std::move(items));
}

int64_t GgufValue::as_int(const std::string& what) const {
  switch (type) {
    case GgufType::U8: case GgufType::U16: case GgufType::U32: case GgufType::U64:
      if (u > uint64_t(INT64_MAX)) throw FormatError(what + ": value " + std::to_string(u) + " is too large");
      return int64_t(u);
    case GgufType::I8: case GgufType::I16: case GgufType::I32: case GgufType::I64: return i;
    default: throw FormatError(what + ": expected an integer, found " + gguf_type_name(type));
  }
}

double GgufValue::as_float(const std::string& what) const {
  if (type != GgufType::F32 && type != GgufType::F64)
    throw FormatError(what + ": expected a float, found " + gguf_type_name(type));
  return f;
}

bool GgufValue::as_bool(const std::string& what) const {
  if (type != GgufType::Bool) throw FormatError(what + ": expected a bool, found " + gguf_type_name(type));
  return u != 0;
}

const std::string& GgufValue::as_string(const std::string& what) const {
  if (type != GgufType::String) throw FormatError(what + ": expected a string, found " + gguf_type_name(type));
  return s;
}

const std::vector<GgufValue>& GgufValue::as_array(GgufType e, const std::string& what) const {
  if (type != GgufType::Array || elem != e)
    throw FormatError(what + ": expected an array of " + gguf_type_name(e) + ", found " +
                      (type == GgufType::Array ? std::string("an array of ") + gguf_type_name(elem)
                                               : std::string(gguf_type_name(type))));
  return items;
}

int64_t GgufTensorInfo::numel() const {
  int64_t n = 1;
  for (int64_t d : ne) n *= d;
  return n;
}

Shape GgufTensorInfo::shape() const {
  std::vector<int64_t> dims(ne.rbegin(), ne.rend());
  return Shape(dims);
}

GgufFile GgufFile::open(const std::string& path) {
  GgufFile f;
  f.path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw FormatError("cannot open " + path + ": " + std::strerror(errno));
  struct stat st{};
  if (::fstat(fd, &st) != 0 || !S_ISREG(st.st_mode)) {
    ::close(fd);
    throw FormatError(path + ": not a regular file");
  }
  const size_t len = size_t(st.st_size);
  auto map = std::make_shared<Mapping>();
  if (len > 0) {
    map->addr = ::mmap(nullptr, len, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map->addr == MAP_FAILED) {
      map->addr = nullptr;
      ::close(fd);
      throw FormatError("cannot map " + path + ": " + std::strerror(errno));
    }
    map->len = len;
  }
  ::close(fd);
  const uint8_t* base = static_cast<const uint8_t*>(map->addr);
  Reader r(base, len, path);

  r.need(4, "header");
  if (std::memcmp(base, "GGUF", 4) != 0) r.fail("header", "not a GGUF file (the magic is not \"GGUF\")");
  r.read<uint32_t>("magic");
  f.version_ = r.read<uint32_t>("header (version)");
  if (f.version_ != kVersion) {
    std::string hint = (f.version_ & 0xffff) == 0 ? " (a big-endian file?)" : "";
    r.fail("header", "unsupported GGUF version " + std::to_string(f.version_) + hint + "; only version 3 is read");
  }
  const uint64_t n_tensors = r.read<uint64_t>("header (tensor count)");
  const uint64_t n_kv = r.read<uint64_t>("header (metadata count)");
  // Each entry takes at least: a key (8) + type (4) + 1 byte; a tensor info 8 + 4 + 8 + 4 + 8.
  if (n_kv > r.left() / 13)
    r.fail("header", "metadata count " + std::to_string(n_kv) + " cannot fit in the " + std::to_string(r.left()) +
                         " bytes left in the file");
  if (n_tensors > r.left() / 32)
    r.fail("header", "tensor count " + std::to_string(n_tensors) + " cannot fit in the " +
                         std::to_string(r.left()) + " bytes left in the file");

  for (uint64_t k = 0; k < n_kv; ++k) {
    std::string key = r.string("metadata key " + std::to_string(k));
    std::string what = "key '" + key + "'";
    GgufType t = r.type(what);
    GgufValue v = r.value(t, what, 0);
    if (f.kv_index_.count(key)) r.fail(what, "appears twice");
    f.kv_index_[key] = f.kv_.size();
    f.kv_.emplace_back(std::move(key), std::move(v));
  }
  if (const GgufValue* a = f.find("general.alignment")) {
    if (a->type != GgufType::U32) r.fail("key 'general.alignment'", std::string("must be a u32, found ") + gguf_type_name(a->type));
    if (a->u == 0 || (a->u & (a->u - 1)) != 0)
      r.fail("key 'general.alignment'", std::to_string(a->u) + " is not a power of two");
    f.alignment_ = a->u;
  } else {
    f.alignment_ = kDefaultAlignment;
  }

  f.tensors_.reserve(size_t(n_tensors));
  for (uint64_t k = 0; k < n_tensors; ++k) {
    GgufTensorInfo t;
    t.name = r.string("tensor info " + std::to_string(k) + " (name)");
    std::string what = "tensor '" + t.name + "'";
    if (t.name.size() > kMaxTensorName)
      r.fail(what, "name of " + std::to_string(t.name.size()) + " bytes (at most " + std::to_string(kMaxTensorName) + ")");
    uint32_t n_dims = r.read<uint32_t>(what + " (dimension count)");
    if (n_dims < 1 || n_dims > kMaxDims)
      r.fail(what, std::to_string(n_dims) + " dimensions (1 to " + std::to_string(kMaxDims) + " allowed)");
    uint64_t numel = 1;
    for (uint32_t d = 0; d < n_dims; ++d) {
      uint64_t e = r.read<uint64_t>(what + " (dimension)");
      if (e == 0 || e > uint64_t(INT64_MAX) || !mul_ok(numel, e, numel) || numel > uint64_t(INT64_MAX))
        r.fail(what, "absurd dimension " + std::to_string(e) + " (dimension " + std::to_string(d) + ")");
      t.ne.push_back(int64_t(e));
    }
    uint32_t type = r.read<uint32_t>(what + " (type)");
    auto info = quant::ggml_type_info(type);
    if (!info) r.fail(what, "unknown ggml type " + std::to_string(type));
    t.type = quant::GgmlType(type);
    if (t.ne[0] % info->block_size != 0)
      r.fail(what, "row of " + std::to_string(t.ne[0]) + " values is not a multiple of the " + info->name +
                       " block size " + std::to_string(info->block_size));
    uint64_t blocks = numel / uint64_t(info->block_size);
    if (!mul_ok(blocks, uint64_t(info->block_bytes), t.nbytes))
      r.fail(what, "size overflows (absurd dimensions)");
    t.offset = r.read<uint64_t>(what + " (data offset)");
    if (t.offset % f.alignment_ != 0)
      r.fail(what, "data offset " + std::to_string(t.offset) + " is not a multiple of the alignment " +
                       std::to_string(f.alignment_));
    if (f.tensor_index_.count(t.name)) r.fail(what, "appears twice");
    f.tensor_index_[t.name] = f.tensors_.size();
    f.tensors_.push_back(std::move(t));
  }

  const uint64_t data_start = align_up(r.pos(), f.alignment_);
  const uint64_t data_len = data_start <= len ? len - data_start : 0;
  std::vector<std::pair<uint64_t, size_t>> order;
  for (size_t k = 0; k < f.tensors_.size(); ++k) {
    const GgufTensorInfo& t = f.tensors_[k];
    if (t.offset > data_len || t.nbytes > data_len - t.offset)
      throw FormatError(path + ": tensor '" + t.name + "': data [" + std::to_string(t.offset) + ", +" +
                        std::to_string(t.nbytes) + ") lies outside the data section of " + std::to_string(data_len) +
                        " bytes (truncated file?)");
    order.push_back({t.offset, k});
  }
  std::sort(order.begin(), order.end());
  for (size_t k = 1; k < order.size(); ++k) {
    const GgufTensorInfo& prev = f.tensors_[order[k - 1].second];
    if (order[k].first < prev.offset + prev.nbytes)
      throw FormatError(path + ": tensor '" + f.tensors_[order[k].second].name + "' overlaps tensor '" + prev.name + "'");
  }
  f.data_ = base + std::min<uint64_t>(data_start, len);
  f.map_ = map;
  return f;
}

const GgufValue* GgufFile::find(const std::string& key) const {
  auto it = kv_index_.find(key);
  return it == kv_index_.end() ? nullptr : &kv_[it->second].second;
}

const GgufValue& GgufFile::get(const std::string& key) const {
  const GgufValue* v = find(key);
  if (!v) throw FormatError(path_ + ": metadata key '" + key + "' is missing");
  return *v;
}

const GgufTensorInfo* GgufFile::find_tensor(const std::string& name) const {
  auto it = tensor_index_.find(name);
  return it == tensor_index_.end() ? nullptr : &tensors_[it->second];
}

const GgufTensorInfo& GgufFile::tensor(const std::string& name) const {
  const GgufTensorInfo* t = find_tensor(name);
  if (!t) throw FormatError(path_ + ": tensor '" + name + "' is missing");
  return *t;
}

Tensor GgufFile::get_f32(const std::string& name) const {
  const GgufTensorInfo& t = tensor(name);
  if (!quant::can_convert(t.type))
    throw FormatError(path_ + ": tensor '" + name + "' has type " + quant::ggml_type_name(t.type) +
                      ", which lmforge cannot read yet");
  Tensor out = Tensor::empty(t.shape(), DType::F32);
  float* y = out.data<float>();
  const int64_t row = t.ne[0], rows = t.numel() / row;
  const int64_t rb = quant::row_bytes(t.type, row);
  const uint8_t* p = data(t);
  for (int64_t r = 0; r < rows; ++r) quant::dequantize_row(t.type, p + r * rb, y + r * row, row);
  return out;
}

void GgufWriter::set(const std::string& key, GgufValue v) {
  for (auto& [k, old] : kv_)
    if (k == key) {
      old = std::move(v);
      return;
    }
  kv_.emplace_back(key, std::move(v));
}

void GgufWriter::add_tensor(const std::string& name, std::vector<int64_t> ne, quant::GgmlType type,
                            std::vector<uint8_t> data) {
  for (auto& p : tensors_)
    if (p.info.name == name) throw Error("GgufWriter: duplicate tensor '" + name + "'");
  if (name.size() > kMaxTensorName) throw Error("GgufWriter: tensor name '" + name + "' is too long for GGUF");
  auto info = quant::ggml_type_info(uint32_t(type));
  if (!info) throw Error("GgufWriter: tensor '" + name + "': unknown type");
  if (ne.empty() || ne.size() > size_t(kMaxDims)) throw Error("GgufWriter: tensor '" + name + "': 1 to 4 dimensions");
  int64_t numel = 1;
  for (int64_t d : ne) {
    if (d <= 0) throw Error("GgufWriter: tensor '" + name + "': extents must be positive");
    numel *= d;
  }
  if (ne[0] % info->block_size != 0)
    throw Error("GgufWriter: tensor '" + name + "': rows of " + std::to_string(ne[0]) + " are not whole " +
                info->name + " blocks");
  const uint64_t want = uint64_t(numel / info->block_size * info->block_bytes);
  if (data.size() != want)
    throw Error("GgufWriter: tensor '" + name + "': " + std::to_string(data.size()) + " bytes given, " +
                std::to_string(want) + " expected");
  Pending p;
  p.info.name = name;
  p.info.ne = std::move(ne);
  p.info.type = type;
  p.info.nbytes = want;
  p.data = std::move(data);
  tensors_.push_back(std::move(p));
}

void GgufWriter::write(const std::string& path) const {
  uint64_t alignment = kDefaultAlignment;
  for (auto& [k, v] : kv_)
    if (k == "general.alignment") {
      if (v.type != GgufType::U32 || v.u == 0 || (v.u & (v.u - 1)) != 0)
        throw Error("GgufWriter: general.alignment must be a u32 power of two");
      alignment = v.u;
    }
  std::string head;
  head.append("GGUF", 4);
  put<uint32_t>(head, kVersion);
  put<uint64_t>(head, tensors_.size());
  put<uint64_t>(head, kv_.size());
  for (auto& [k, v] : kv_) {
    put_string(head, k);
    put<uint32_t>(head, uint32_t(v.type));
    write_value(head, v);
  }
  uint64_t off = 0;
  for (auto& p : tensors_) {
    put_string(head, p.info.name);
    put<uint32_t>(head, uint32_t(p.info.ne.size()));
    for (int64_t d : p.info.ne) put<uint64_t>(head, uint64_t(d));
    put<uint32_t>(head, uint32_t(p.info.type));
    put<uint64_t>(head, off);
    off = align_up(off + p.info.nbytes, alignment);
  }
  head.resize(align_up(head.size(), alignment), '\0');
  write_file_atomic(path, [&](std::ostream& out) {
    out.write(head.data(), std::streamsize(head.size()));
    static const char zeros[256] = {};
    for (auto& p : tensors_) {
      out.write(reinterpret_cast<const char*>(p.data.data()), std::streamsize(p.data.size()));
      uint64_t pad = align_up(p.info.nbytes, alignment) - p.info.nbytes;
      while (pad > 0) {
        uint64_t n = std::min<uint64_t>(pad, sizeof(zeros));
        out.write(zeros, std::streamsize(n));
        pad -= n;
      }
    }
  });
}

}  // namespace lmf::io
