// safetensors round trip, PyTorch interop, and corrupt files.
#include <gtest/gtest.h>

#include <fstream>

#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "support/oracle.h"

using namespace lmf;

TEST(Safetensors, RoundTripAllDtypes) {
  std::string dir = test::temp_dir();
  Tensor a = Tensor::randn({3, 5}, 1);
  Tensor b = Tensor::randn({7}, 2).to(DType::BF16);
  Tensor c = Tensor::from_ints({1, -2, 3}, {3});
  io::save_safetensors(dir + "/m.safetensors", {{"a", a}, {"b", b}, {"c", c.transpose(0, 0)}}, {{"format", "pt"}});
  auto f = io::SafetensorsFile::open(dir + "/m.safetensors");
  EXPECT_EQ(f.names(), (std::vector<std::string>{"a", "b", "c"}));
  EXPECT_EQ(f.get("a").to_vector(), a.to_vector());
  EXPECT_EQ(f.dtype("b"), DType::BF16);
  EXPECT_EQ(f.get("b").to_vector(), b.to_vector());
  EXPECT_EQ(f.get_raw("c").to_vector(), (std::vector<float>{1, -2, 3}));
  EXPECT_EQ(f.metadata().at("format"), "pt");
}

TEST(Safetensors, OffsetViewsAndEmptyFiles) {
  std::string dir = test::temp_dir();
  Tensor t = Tensor::from_vector({0, 1, 2, 3, 4, 5}, {3, 2});
  io::save_safetensors(dir + "/v.safetensors", {{"tail", t.slice(0, 1, 3)}});
  EXPECT_EQ(io::SafetensorsFile::open(dir + "/v.safetensors").get("tail").to_vector(),
            (std::vector<float>{2, 3, 4, 5}));
  io::save_safetensors(dir + "/e.safetensors", {});
  EXPECT_TRUE(io::SafetensorsFile::open(dir + "/e.safetensors").names().empty());
  EXPECT_EQ(io::read_file(dir + "/e.safetensors").substr(8, 2), "{}");
}

TEST(Safetensors, CorruptAndTruncatedFilesAreClearErrors) {
  std::string dir = test::temp_dir();
  io::save_safetensors(dir + "/ok.safetensors", {{"w", Tensor::randn({16, 16}, 3)}});
  std::string bytes = io::read_file(dir + "/ok.safetensors");
  auto expect_error = [&](const std::string& content, const std::string& needle) {
    io::write_text_atomic(dir + "/bad.safetensors", content);
    try {
      io::SafetensorsFile::open(dir + "/bad.safetensors");
      FAIL() << "no error for " << needle;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.safetensors"), std::string::npos) << e.what();
    }
  };
  expect_error(bytes.substr(0, bytes.size() - 10), "outside the data section");
  expect_error(bytes.substr(0, 4), "header length missing");
  std::string badjson = bytes;
  badjson[9] = '#';
  expect_error(badjson, "not valid JSON");
  std::string huge = bytes;
  huge[7] = 0x7f;
  expect_error(huge, "exceeds the file size");
  EXPECT_THROW(io::SafetensorsFile::open(dir + "/missing.safetensors"), FormatError);
}

TEST(Safetensors, PyTorchReadsOursAndWeReadTheirs) {
  Tensor x = Tensor::randn({4, 9}, 5);
  auto out = test::torch_ref("ops_basic", "identity", {{"x", x}});
  EXPECT_EQ(out.at("x").to_vector(), x.to_vector());
  EXPECT_EQ(out.at("x_bf16_as_f32").to_vector(), x.to(DType::BF16).to_vector());
}
