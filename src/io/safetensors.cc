#include "io/safetensors.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"

namespace lmf::io {
namespace {

struct Mapping {
  void* addr = nullptr;
  size_t len = 0;
  ~Mapping() {
    if (addr && len) ::munmap(addr, len);
  }
};

}  // namespace

DType safetensors_dtype(const std::string& n, const std::string& ctx) {
  if (n == "F32") return DType::F32;
  if (n == "BF16") return DType::BF16;
  if (n == "F16") return DType::F16;
  if (n == "I32") return DType::I32;
  if (n == "I64") return DType::I64;
  if (n == "U16") return DType::U16;
  if (n == "U8") return DType::U8;
  if (n == "I8") return DType::I8;
  throw FormatError(ctx + ": unsupported dtype '" + n + "'");
}

const char* safetensors_dtype_name(DType t) {
  switch (t) {
    case DType::F32: return "F32";
    case DType::BF16: return "BF16";
    case DType::F16: return "F16";
    case DType::I32: return "I32";
    case DType::I64: return "I64";
    case DType::U16: return "U16";
    case DType::U8: return "U8";
    case DType::I8: return "I8";
  }
  return "?";
}

SafetensorsFile SafetensorsFile::open(const std::string& path) {
  SafetensorsFile f;
  f.path_ = path;
  int fd = ::open(path.c_str(), O_RDONLY);
  if (fd < 0) throw FormatError("cannot open " + path + ": " + std::strerror(errno));
  struct stat st{};
  ::fstat(fd, &st);
  size_t len = size_t(st.st_size);
  if (len < 8) {
    ::close(fd);
    throw FormatError(path + ": not a safetensors file (" + std::to_string(len) + " bytes, header length missing)");
  }
  auto map = std::make_shared<Mapping>();
  map->addr = ::mmap(nullptr, len, PROT_READ | PROT_WRITE, MAP_PRIVATE, fd, 0);
  ::close(fd);
  if (map->addr == MAP_FAILED) {
    map->addr = nullptr;
    throw FormatError("cannot map " + path + ": " + std::strerror(errno));
  }
  map->len = len;
  const char* base = static_cast<const char*>(map->addr);
  uint64_t hlen;
  std::memcpy(&hlen, base, 8);
  if (hlen > len - 8)
    throw FormatError(path + ": header length " + std::to_string(hlen) + " exceeds the file size " +
                      std::to_string(len) + " (truncated or not safetensors)");
  nlohmann::json h;
  try {
    h = nlohmann::json::parse(base + 8, base + 8 + hlen);
  } catch (const std::exception& e) {
    throw FormatError(path + ": header is not valid JSON: " + e.what());
  }
  if (!h.is_object()) throw FormatError(path + ": header is not a JSON object");
  size_t data_len = len - 8 - size_t(hlen);
  std::vector<std::pair<size_t, size_t>> spans;
  size_t order = 0;
  for (auto& [name, v] : h.items()) {
    if (name == "__metadata__") {
      if (!v.is_object()) throw FormatError(path + ": __metadata__ is not an object");
      for (auto& [k, mv] : v.items())
        f.metadata_[k] = mv.is_string() ? mv.get<std::string>() : mv.dump();
      continue;
    }
    std::string ctx = path + ": tensor '" + name + "'";
    if (!v.is_object() || !v.contains("dtype") || !v.contains("shape") || !v.contains("data_offsets"))
      throw FormatError(ctx + " needs dtype, shape and data_offsets");
    Entry e;
    try {
      e.dtype = safetensors_dtype(v["dtype"].get<std::string>(), ctx);
      std::vector<int64_t> dims = v["shape"].get<std::vector<int64_t>>();
      for (int64_t d : dims)
        if (d < 0) throw FormatError(ctx + " has a negative extent");
      e.shape = Shape(dims);
      auto offs = v["data_offsets"].get<std::vector<uint64_t>>();
      if (offs.size() != 2) throw FormatError(ctx + ": data_offsets must have 2 entries");
      e.begin = offs[0];
      e.end = offs[1];
    } catch (const nlohmann::json::exception& ex) {
      throw FormatError(ctx + ": malformed entry: " + ex.what());
    }
    size_t want = size_t(e.shape.numel()) * dtype_size(e.dtype);
    if (e.begin > e.end || e.end > data_len)
      throw FormatError(ctx + ": data_offsets [" + std::to_string(e.begin) + ", " + std::to_string(e.end) +
                        ") outside the data section of " + std::to_string(data_len) + " bytes (truncated file?)");
    if (e.end - e.begin != want)
      throw FormatError(ctx + ": " + std::to_string(e.end - e.begin) + " bytes for shape " + e.shape.str() +
                        " of " + dtype_name(e.dtype) + " (expected " + std::to_string(want) + ")");
    e.order = order++;
    spans.push_back({e.begin, e.end});
    f.entries_[name] = e;
  }
  std::sort(spans.begin(), spans.end());
  for (size_t i = 1; i < spans.size(); ++i)
    if (spans[i].first < spans[i - 1].second) throw FormatError(path + ": tensors overlap in the data section");
  f.data_ = base + 8 + hlen;
  f.map_ = map;
  return f;
}

std::vector<std::string> SafetensorsFile::names() const {
  std::vector<std::pair<size_t, std::string>> v;
  for (auto& [n, e] : entries_) v.push_back({e.order, n});
  std::sort(v.begin(), v.end());
  std::vector<std::string> out;
  for (auto& p : v) out.push_back(p.second);
  return out;
}

const SafetensorsFile::Entry& SafetensorsFile::entry(const std::string& name) const {
  auto it = entries_.find(name);
  if (it == entries_.end()) throw FormatError(path_ + ": no tensor named '" + name + "'");
  return it->second;
}

const Shape& SafetensorsFile::shape(const std::string& name) const { return entry(name).shape; }
DType SafetensorsFile::dtype(const std::string& name) const { return entry(name).dtype; }

Tensor SafetensorsFile::get_raw(const std::string& name) const {
  const Entry& e = entry(name);
  Tensor t = Tensor::empty(e.shape, e.dtype);
  if (e.end > e.begin) std::memcpy(t.bytes(), data_ + e.begin, e.end - e.begin);
  return t;
}

Tensor SafetensorsFile::get(const std::string& name) const {
  const Entry& e = entry(name);
  const char* p = data_ + e.begin;
  if (e.dtype == DType::F32 && reinterpret_cast<uintptr_t>(p) % 4 == 0 && e.shape.numel() > 0)
    return Tensor::borrow(const_cast<char*>(p), e.shape, DType::F32, map_);
  Tensor raw = get_raw(name);
  return raw.dtype() == DType::F32 ? raw : raw.to(DType::F32);
}

void save_safetensors(const std::string& path, const std::vector<std::pair<std::string, Tensor>>& tensors,
                      const std::map<std::string, std::string>& metadata) {
  nlohmann::ordered_json h = nlohmann::ordered_json::object();
  if (!metadata.empty()) h["__metadata__"] = metadata;
  std::vector<Tensor> compact;
  size_t off = 0;
  for (auto& [name, t] : tensors) {
    if (h.contains(name)) throw Error("save_safetensors: duplicate tensor name '" + name + "' for " + path);
    Tensor c = t.contiguous();
    compact.push_back(c);
    h[name] = {{"dtype", safetensors_dtype_name(c.dtype())}, {"shape", c.shape().vec()},
               {"data_offsets", {off, off + c.nbytes()}}};
    off += c.nbytes();
  }
  std::string hs = h.dump();
  while ((hs.size() + 8) % 8) hs.push_back(' ');
  write_file_atomic(path, [&](std::ostream& out) {
    uint64_t n = hs.size();
    out.write(reinterpret_cast<const char*>(&n), 8);
    out.write(hs.data(), std::streamsize(hs.size()));
    for (auto& c : compact) out.write(c.bytes(), std::streamsize(c.nbytes()));
  });
}

}  // namespace lmf::io
