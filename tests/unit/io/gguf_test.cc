// GGUF v3 reader and writer: files lmforge writes are read back by ggml's own reader
// (tests/reference/llama_oracle.c) with every value type; corrupt files are clear errors.
#include <gtest/gtest.h>

#include <cstring>
#include <fstream>

#include "core/error.h"
#include "io/atomic_file.h"
#include "io/gguf.h"
#include "support/llama_oracle.h"
#include "support/oracle.h"

using namespace lmf;
using io::GgufType;
using io::GgufValue;
using quant::GgmlType;

namespace {

std::vector<uint8_t> bytes_of(const std::vector<float>& v) {
  std::vector<uint8_t> b(v.size() * 4);
  std::memcpy(b.data(), v.data(), b.size());
  return b;
}

std::string hex(const uint8_t* p, size_t n) {
  static const char* d = "0123456789abcdef";
  std::string s;
  for (size_t i = 0; i < n; ++i) s += {d[p[i] >> 4], d[p[i] & 15]};
  return s;
}

void write_bytes(const std::string& path, const std::string& b) { std::ofstream(path, std::ios::binary) << b; }

// A GGUF file assembled byte by byte (independently of GgufWriter), with fields a test
// may corrupt.
struct RawFile {
  std::string magic = "GGUF";
  uint32_t version = 3;
  uint64_t n_tensors = 1, n_kv = 2;
  uint32_t kv_type = 4;              // of "a.count" (u32)
  uint64_t name_len = 7;             // of the string value "general.name"
  uint64_t dim0 = 4, dim1 = 2;
  uint32_t n_dims = 2;
  uint32_t tensor_type = 0;          // f32
  uint64_t offset = 0;
  std::string key2 = "general.name";
  bool data = true;

  std::string build() const {
    std::string b = magic;
    auto u32 = [&](uint32_t v) { b.append(reinterpret_cast<const char*>(&v), 4); };
    auto u64 = [&](uint64_t v) { b.append(reinterpret_cast<const char*>(&v), 8); };
    auto str = [&](const std::string& s) { u64(s.size()); b += s; };
    u32(version);
    u64(n_tensors);
    u64(n_kv);
    str("a.count");
    u32(kv_type);
    u32(7);
    u64(key2.size());
    b += key2;
    u32(8);
    u64(name_len);
    b += "tiny-lm";
    str("w.weight");
    u32(n_dims);
    u64(dim0);
    if (n_dims > 1) u64(dim1);
    u32(tensor_type);
    u64(offset);
    while (b.size() % 32) b.push_back('\0');
    if (data) b.append(32, '\1');
    return b;
  }
};

// Opening the file fails with a FormatError whose message holds every one of `parts`.
void expect_error(const std::string& bytes, const std::vector<std::string>& parts) {
  std::string path = test::temp_dir() + "/bad.gguf";
  write_bytes(path, bytes);
  try {
    io::GgufFile::open(path);
    ADD_FAILURE() << "no error; expected one naming " << parts[0];
  } catch (const FormatError& e) {
    std::string msg = e.what();
    EXPECT_NE(msg.find(path), std::string::npos) << msg;
    for (auto& p : parts) EXPECT_NE(msg.find(p), std::string::npos) << "'" << p << "' not in: " << msg;
  }
}

}  // namespace

TEST(Gguf, EveryValueTypeAndTensorReadByGgml) {
  std::string path = test::temp_dir() + "/all.gguf";
  io::GgufWriter w;
  w.set("general.alignment", GgufValue::u32(64));
  w.set("t.u8", GgufValue::uint_of(GgufType::U8, 250));
  w.set("t.i8", GgufValue::int_of(GgufType::I8, -120));
  w.set("t.u16", GgufValue::uint_of(GgufType::U16, 65000));
  w.set("t.i16", GgufValue::int_of(GgufType::I16, -32000));
  w.set("t.u32", GgufValue::u32(4000000000u));
  w.set("t.i32", GgufValue::i32(-2000000000));
  w.set("t.f32", GgufValue::f32(0.1f));
  w.set("t.bool", GgufValue::boolean(true));
  w.set("t.string", GgufValue::string("héllo \"wörld\" ✓"));
  w.set("t.u64", GgufValue::u64(18000000000000000000ull));
  w.set("t.i64", GgufValue::int_of(GgufType::I64, -9000000000000000000ll));
  w.set("t.f64", GgufValue::f64(0.1));
  w.set("t.strings", GgufValue::strings({"a", "", "Ġthe", "<|im_end|>"}));
  w.set("t.ints", GgufValue::int32s({1, -2, 3}));
  w.set("t.floats", GgufValue::array(GgufType::F32, {GgufValue::f32(1.5f), GgufValue::f32(-2.f)}));
  w.set("t.bools", GgufValue::array(GgufType::Bool, {GgufValue::boolean(false), GgufValue::boolean(true)}));
  w.set("t.u8", GgufValue::uint_of(GgufType::U8, 251));  // a second set replaces in place
  std::vector<float> a = {1, 2, 3, 4, 5, 6};
  w.add_tensor("a", {3, 2}, GgmlType::F32, bytes_of(a));
  std::vector<uint8_t> q(34 * 2);
  for (size_t i = 0; i < q.size(); ++i) q[i] = uint8_t(i * 7);
  w.add_tensor("blk.0.q", {32, 2}, GgmlType::Q8_0, q);
  w.add_tensor("h", {5}, GgmlType::F16, std::vector<uint8_t>(10, 0x3c));
  w.write(path);

  nlohmann::json g = test::ggml_read_gguf(path);
  EXPECT_EQ(g["version"], 3);
  EXPECT_EQ(g["alignment"], 64);
  std::map<std::string, nlohmann::json> kv;
  std::vector<std::string> order;
  for (auto& e : g["kv"]) {
    kv[e["key"]] = e;
    order.push_back(e["key"]);
  }
  EXPECT_EQ(order.front(), "general.alignment");
  EXPECT_EQ(order[1], "t.u8");
  EXPECT_EQ(kv["t.u8"]["value"], 251);
  EXPECT_EQ(kv["t.u8"]["type"], 0);
  EXPECT_EQ(kv["t.i8"]["value"], -120);
  EXPECT_EQ(kv["t.u16"]["value"], 65000);
  EXPECT_EQ(kv["t.i16"]["value"], -32000);
  EXPECT_EQ(kv["t.u32"]["value"], 4000000000u);
  EXPECT_EQ(kv["t.i32"]["value"], -2000000000);
  EXPECT_FLOAT_EQ(kv["t.f32"]["value"].get<float>(), 0.1f);
  EXPECT_EQ(kv["t.bool"]["value"], true);
  EXPECT_EQ(kv["t.string"]["value"], "héllo \"wörld\" ✓");
  EXPECT_EQ(kv["t.u64"]["value"].get<uint64_t>(), 18000000000000000000ull);
  EXPECT_EQ(kv["t.i64"]["value"].get<int64_t>(), -9000000000000000000ll);
  EXPECT_EQ(kv["t.f64"]["value"].get<double>(), 0.1);
  EXPECT_EQ(kv["t.strings"]["type"], 9);
  EXPECT_EQ(kv["t.strings"]["value"]["elem"], 8);
  EXPECT_EQ(kv["t.strings"]["value"]["items"], nlohmann::json({"a", "", "Ġthe", "<|im_end|>"}));
  EXPECT_EQ(kv["t.ints"]["value"]["items"], nlohmann::json({1, -2, 3}));
  EXPECT_EQ(kv["t.floats"]["value"]["items"], nlohmann::json({1.5, -2.0}));
  EXPECT_EQ(kv["t.bools"]["value"]["items"], nlohmann::json({false, true}));
  ASSERT_EQ(g["tensors"].size(), 3u);
  EXPECT_EQ(g["tensors"][0]["name"], "a");
  EXPECT_EQ(g["tensors"][0]["ne"], nlohmann::json({3, 2, 1, 1}));
  EXPECT_EQ(g["tensors"][0]["hex"], hex(bytes_of(a).data(), 24));
  EXPECT_EQ(g["tensors"][1]["type"], 8);
  EXPECT_EQ(g["tensors"][1]["ne"], nlohmann::json({32, 2, 1, 1}));
  EXPECT_EQ(g["tensors"][1]["offset"], 64);
  EXPECT_EQ(g["tensors"][1]["hex"], hex(q.data(), q.size()));
  EXPECT_EQ(g["tensors"][2]["type"], 1);
  EXPECT_EQ(g["tensors"][2]["offset"], 128 + 64);

  // Our reader sees the same, and converts the tensors to fp32 in PyTorch order.
  auto f = io::GgufFile::open(path);
  EXPECT_EQ(f.alignment(), 64u);
  EXPECT_EQ(f.get("t.u64").u, 18000000000000000000ull);
  EXPECT_EQ(f.get("t.i8").as_int("t.i8"), -120);
  EXPECT_EQ(f.get("t.string").as_string("t.string"), "héllo \"wörld\" ✓");
  EXPECT_EQ(f.get("t.strings").as_array(GgufType::String, "t.strings")[2].s, "Ġthe");
  EXPECT_THROW(f.get("t.strings").as_array(GgufType::I32, "t.strings"), FormatError);
  EXPECT_THROW(f.get("t.string").as_int("t.string"), FormatError);
  EXPECT_EQ(f.get_f32("a").shape(), Shape({2, 3}));
  EXPECT_EQ(f.get_f32("a").to_vector(), a);
  EXPECT_EQ(f.get_f32("h").to_vector(), std::vector<float>(5, 1.f + 60.f / 1024));
  EXPECT_EQ(f.tensor("blk.0.q").nbytes, 68u);
}

TEST(Gguf, NestedArraysAndEmptyFiles) {
  std::string path = test::temp_dir() + "/nested.gguf";
  io::GgufWriter w;
  w.set("n", GgufValue::array(GgufType::Array, {GgufValue::int32s({1, 2}), GgufValue::int32s({})}));
  w.write(path);
  auto f = io::GgufFile::open(path);
  EXPECT_EQ(f.get("n").items.at(0).items.at(1).i, 2);
  EXPECT_TRUE(f.tensors().empty());
  EXPECT_THROW(f.tensor("token_embd.weight"), FormatError);
}

TEST(Gguf, CorruptFilesAreClearErrors) {
  {
    std::string path = test::temp_dir() + "/ok.gguf";
    write_bytes(path, RawFile{}.build());
    auto f = io::GgufFile::open(path);
    EXPECT_EQ(f.get("general.name").s, "tiny-lm");
    EXPECT_EQ(f.get_f32("w.weight").shape(), Shape({2, 4}));
    try {
      f.tensor("output.weight");
      ADD_FAILURE();
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find("'output.weight' is missing"), std::string::npos) << e.what();
    }
  }
  const std::string good = RawFile{}.build();
  // Every truncation of the file is an error, never a crash.
  for (size_t n = 0; n < good.size(); ++n) {
    std::string path = test::temp_dir() + "/t.gguf";
    write_bytes(path, good.substr(0, n));
    EXPECT_THROW(io::GgufFile::open(path), FormatError) << "prefix of " << n << " bytes";
  }
  expect_error(good.substr(0, 40), {"metadata count 2 cannot fit"});
  expect_error(good.substr(0, 120), {"tensor 'w.weight'", "truncated"});
  RawFile r;
  r.magic = "GGML";
  expect_error(r.build(), {"not a GGUF file"});
  r = {};
  r.version = 2;
  expect_error(r.build(), {"version 2"});
  r = {};
  r.version = 3u << 24;
  expect_error(r.build(), {"big-endian"});
  r = {};
  r.kv_type = 13;
  expect_error(r.build(), {"key 'a.count'", "unknown value type 13"});
  r = {};
  r.tensor_type = 5;
  expect_error(r.build(), {"tensor 'w.weight'", "unknown ggml type 5"});
  r = {};
  r.tensor_type = 8;  // q8_0 rows of 4 values
  expect_error(r.build(), {"tensor 'w.weight'", "not a multiple of the q8_0 block size"});
  r = {};
  r.offset = 4096;
  expect_error(r.build(), {"tensor 'w.weight'", "outside the data section"});
  r = {};
  r.offset = 8;
  expect_error(r.build(), {"tensor 'w.weight'", "not a multiple of the alignment"});
  r = {};
  r.data = false;
  expect_error(r.build(), {"tensor 'w.weight'", "truncated"});
  r = {};
  r.dim0 = 1ull << 40;
  r.dim1 = 1ull << 40;
  expect_error(r.build(), {"tensor 'w.weight'", "absurd dimension"});
  r = {};
  r.dim0 = 0;
  expect_error(r.build(), {"tensor 'w.weight'", "absurd dimension 0"});
  r = {};
  r.dim1 = uint64_t(-1);
  expect_error(r.build(), {"tensor 'w.weight'", "absurd dimension"});
  r = {};
  r.n_dims = 5;
  expect_error(r.build(), {"tensor 'w.weight'", "5 dimensions"});
  r = {};
  r.name_len = uint64_t(1) << 62;
  expect_error(r.build(), {"key 'general.name'", "string length"});
  r = {};
  r.n_kv = uint64_t(1) << 60;
  expect_error(r.build(), {"metadata count"});
  r = {};
  r.n_tensors = uint64_t(-1);
  expect_error(r.build(), {"tensor count"});
  r = {};
  r.key2 = "a.count";
  expect_error(r.build(), {"key 'a.count'", "appears twice"});
  r = {};
  r.kv_type = 9;  // an array whose element type is 7 (bool) with a count of "general.name"'s bytes
  expect_error(r.build(), {"key 'a.count'"});
}

TEST(Gguf, WriterRejectsInconsistentTensors) {
  io::GgufWriter w;
  EXPECT_THROW(w.add_tensor("x", {33}, GgmlType::Q8_0, std::vector<uint8_t>(34)), Error);
  EXPECT_THROW(w.add_tensor("x", {32}, GgmlType::Q8_0, std::vector<uint8_t>(33)), Error);
  w.add_tensor("x", {32}, GgmlType::Q8_0, std::vector<uint8_t>(34));
  EXPECT_THROW(w.add_tensor("x", {32}, GgmlType::Q8_0, std::vector<uint8_t>(34)), Error);
  EXPECT_THROW(w.add_tensor(std::string(64, 'n'), {1}, GgmlType::F32, std::vector<uint8_t>(4)), Error);
}
