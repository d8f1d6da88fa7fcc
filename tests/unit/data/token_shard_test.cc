// Token shards: round trip, byte-for-byte compatibility with llm.c's writer (a numpy
// implementation in tests/reference/llmc_shard.py), and corrupt files.
#include <gtest/gtest.h>

#include <cstring>
#include <filesystem>
#include <random>

#include "core/error.h"
#include "data/token_shard.h"
#include "io/atomic_file.h"
#include "support/oracle.h"

using namespace lmf;

namespace {

std::vector<TokenId> random_ids(size_t n, uint32_t limit, unsigned seed) {
  std::mt19937 rng(seed);
  std::vector<TokenId> ids(n);
  for (auto& id : ids) id = TokenId(rng() % limit);
  return ids;
}

// Raw little-endian 32-bit ids (the same bytes as uint32 for ids below 2^31).
void write_u32(const std::string& path, const std::vector<TokenId>& ids) {
  io::write_text_atomic(path, std::string(reinterpret_cast<const char*>(ids.data()), ids.size() * 4));
}

std::vector<TokenId> read_u32(const std::string& path) {
  std::string bytes = io::read_file(path);
  std::vector<TokenId> ids(bytes.size() / 4);
  std::memcpy(ids.data(), bytes.data(), ids.size() * 4);
  return ids;
}

std::vector<TokenId> all_ids(const data::TokenShard& s) {
  std::vector<TokenId> ids(s.size());
  for (size_t i = 0; i < s.size(); ++i) ids[i] = s[i];
  return ids;
}

void python_shard(const std::string& args) {
  std::string log;
  int rc = test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/llmc_shard.py") + " " + args + " 2>&1", &log);
  ASSERT_EQ(rc, 0) << log;
}

}  // namespace

TEST(TokenShard, RoundTripPicksTheNarrowestVersion) {
  std::string dir = test::temp_dir();
  auto small = random_ids(1000, 65536, 1);
  small[7] = 65535;
  EXPECT_EQ(data::write_token_shard(dir + "/a.bin", small), 1);
  auto a = data::TokenShard::open(dir + "/a.bin");
  EXPECT_EQ(a.version(), 1);
  EXPECT_EQ(a.size(), small.size());
  EXPECT_EQ(all_ids(a), small);
  EXPECT_EQ(io::read_file(dir + "/a.bin").size(), 1024 + 2 * small.size());

  auto big = random_ids(777, 200000, 2);
  big[0] = 65536;
  EXPECT_EQ(data::write_token_shard(dir + "/b.bin", big), 2);
  auto b = data::TokenShard::open(dir + "/b.bin");
  EXPECT_EQ(b.version(), 2);
  EXPECT_EQ(all_ids(b), big);
  std::vector<TokenId> part(10);
  b.read(100, 10, part.data());
  for (int i = 0; i < 10; ++i) EXPECT_EQ(part[i], big[100 + i]);
  EXPECT_EQ(b.find_id_at_least(65536), 0u);
  EXPECT_EQ(a.find_id_at_least(65536), a.size());
  EXPECT_THROW(b.read(770, 8, part.data()), FormatError);

  data::write_token_shard(dir + "/empty.bin", {});
  EXPECT_EQ(data::TokenShard::open(dir + "/empty.bin").size(), 0u);
  EXPECT_THROW(data::write_token_shard(dir + "/negative.bin", std::vector<TokenId>{3, -2}), Error);
  EXPECT_FALSE(std::filesystem::exists(dir + "/negative.bin"));
}

TEST(TokenShard, LlmcWriterAndOursAgreeByteForByte) {
  std::string dir = test::temp_dir();
  auto small = random_ids(4099, 50257, 3);
  auto big = random_ids(513, 128256, 4);
  big[3] = 128255;
  write_u32(dir + "/small.u32", small);
  write_u32(dir + "/big.u32", big);
  python_shard("write " + dir + "/small.u32 " + dir + "/llmc_gpt2.bin gpt-2");
  python_shard("write " + dir + "/big.u32 " + dir + "/llmc_llama3.bin llama-3");
  python_shard("write " + dir + "/big.u32 " + dir + "/llmc_v2.bin v2");

  // Theirs, read by us.
  EXPECT_EQ(all_ids(data::TokenShard::open(dir + "/llmc_gpt2.bin")), small);
  auto llama = data::TokenShard::open(dir + "/llmc_llama3.bin");
  EXPECT_EQ(llama.version(), 7);
  EXPECT_EQ(all_ids(llama), big);
  EXPECT_EQ(all_ids(data::TokenShard::open(dir + "/llmc_v2.bin")), big);

  // Ours, identical bytes to theirs for the same format, and read by their reader.
  data::write_token_shard(dir + "/ours_small.bin", small);
  data::write_token_shard(dir + "/ours_big.bin", big);
  EXPECT_EQ(io::read_file(dir + "/ours_small.bin"), io::read_file(dir + "/llmc_gpt2.bin"));
  EXPECT_EQ(io::read_file(dir + "/ours_big.bin"), io::read_file(dir + "/llmc_v2.bin"));
  python_shard("read " + dir + "/ours_small.bin " + dir + "/back_small.u32");
  python_shard("read " + dir + "/ours_big.bin " + dir + "/back_big.u32");
  EXPECT_EQ(read_u32(dir + "/back_small.u32"), small);
  EXPECT_EQ(read_u32(dir + "/back_big.u32"), big);
}

TEST(TokenShard, CorruptFilesAreClearErrors) {
  std::string dir = test::temp_dir();
  data::write_token_shard(dir + "/ok.bin", random_ids(100, 1000, 5));
  const std::string ok = io::read_file(dir + "/ok.bin");
  auto expect_error = [&](const std::string& content, const std::string& needle) {
    io::write_text_atomic(dir + "/bad.bin", content);
    try {
      data::TokenShard::open(dir + "/bad.bin");
      ADD_FAILURE() << "no error for " << needle;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
      EXPECT_NE(std::string(e.what()).find("bad.bin"), std::string::npos) << e.what();
    }
  };
  auto with_int = [&](int slot, int32_t v) {
    std::string s = ok;
    std::memcpy(s.data() + 4 * slot, &v, 4);
    return s;
  };
  expect_error(ok.substr(0, 100), "shorter than the 1024-byte header");
  expect_error(with_int(0, 12345), "magic 12345");
  expect_error(with_int(1, 3), "version 3");
  expect_error(with_int(0, data::kShardMagicLlmcLlama3), "expected 7");
  expect_error(with_int(2, -5), "negative token count");
  expect_error(ok.substr(0, ok.size() - 3), "truncated");
  expect_error(with_int(2, 99), "header says 99 tokens");
  expect_error(ok + "xx", "header says 100 tokens");
  EXPECT_THROW(data::TokenShard::open(dir + "/missing.bin"), FormatError);
  EXPECT_FALSE(std::filesystem::exists(dir + "/missing.bin"));
}
