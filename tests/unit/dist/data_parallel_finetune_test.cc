// `mpirun -np 2 lmforge finetune` and `align --method dpo`: with examples whose response
// lengths differ (so the two ranks hold different numbers of target tokens), 2 ranks × half
// the batch give one process's per-step losses (to 1e-5) and final weights; metrics rows
// carry world_size.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <sstream>
#include <vector>

#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "models/checkpoint.h"
#include "models/config.h"
#include "support/byte_tokenizer.h"
#include "support/mpi_run.h"
#include "support/oracle.h"
#include "support/tiny_models.h"
#include "train/metrics_log.h"

using namespace lmf;
using nlohmann::json;

namespace {

const std::string kBin = LMFORGE_BINARY;

// A random tiny GPT-2 over bytes with the ChatML tokens, saved with its tokenizer.
std::string make_model(const std::string& dir) {
  ModelConfig cfg = ModelConfig::from_json(test::tiny_gpt2_config({.vocab = 259, .positions = 96}), "tiny");
  Transformer m(cfg);
  m.init_weights(11);
  save_model(m, dir + "/base");
  test::byte_tokenizer(true).save_json(dir + "/base/tokenizer.json");
  return dir + "/base";
}

struct Rows {
  std::vector<double> losses;
  std::vector<int64_t> world_sizes;
};
Rows read_rows(const std::string& run_dir) {
  Rows r;
  for (const json& row : train::MetricsLog::read(run_dir + "/metrics.jsonl")) {
    r.losses.push_back(row["loss"].get<double>());
    r.world_sizes.push_back(row.value("world_size", int64_t(-1)));
  }
  return r;
}

void expect_same_run(const std::string& two, const std::string& one, size_t steps) {
  const Rows a = read_rows(two), b = read_rows(one);
  ASSERT_EQ(b.losses.size(), steps);
  ASSERT_EQ(a.losses.size(), steps);
  for (size_t i = 0; i < steps; ++i) EXPECT_NEAR(a.losses[i], b.losses[i], 1e-5 * std::abs(b.losses[i])) << i;
  EXPECT_EQ(a.world_sizes, std::vector<int64_t>(steps, 2));
  EXPECT_EQ(b.world_sizes, std::vector<int64_t>(steps, 1));
  EXPECT_NE(b.losses.front(), b.losses.back());  // training moved
  auto fa = io::SafetensorsFile::open(two + "/model.safetensors"), fb = io::SafetensorsFile::open(one + "/model.safetensors");
  ASSERT_EQ(fa.names(), fb.names());
  // 1e-3: the attention key bias has a zero gradient up to rounding (softmax ignores a
  // constant per query), and AdamW turns that rounding noise into steps of about lr.
  for (const std::string& n : fb.names()) EXPECT_LE(test::rel_error(fa.get(n), fb.get(n)), 1e-3) << n;
}

}  // namespace

TEST(DataParallelFinetune, SftWithUnevenTargetCountsEqualsOneProcess) {
  const std::string dir = test::temp_dir();
  const std::string base = make_model(dir);
  std::ostringstream data;
  for (int i = 0; i < 16; ++i)  // responses of 1 to 46 bytes: batches split unevenly by target tokens
    data << json({{"instruction", "say " + std::to_string(i)}, {"output", std::string(size_t(1 + (i * 7) % 46), char('a' + i))}})
                .dump()
         << "\n";
  io::write_text_atomic(dir + "/sft.jsonl", data.str());
  const std::string args = "finetune --method full --model " + base + " --data " + dir + "/sft.jsonl --batch 4 --steps 8 --lr 3e-3 "
                           "--max-len 64 --threads 1 --quiet --out ";
  std::string out;
  ASSERT_EQ(test::run_command(kBin + " " + args + dir + "/one 2>&1", &out), 0) << out;
  ASSERT_EQ(test::run_mpi(2, args + dir + "/two", &out), 0) << out;
  ASSERT_TRUE(std::filesystem::exists(dir + "/two/model.safetensors")) << out;
  expect_same_run(dir + "/two", dir + "/one", 8);
}

TEST(DataParallelFinetune, DpoEqualsOneProcess) {
  const std::string dir = test::temp_dir();
  const std::string base = make_model(dir);
  std::ostringstream data;
  for (int i = 0; i < 12; ++i)
    data << json({{"prompt", std::to_string(i) + "+1="}, {"chosen", std::to_string(i + 1) + ";"},
                  {"rejected", std::to_string(i + 2 + i % 3) + std::string(size_t(i % 4), ';')}})
                .dump()
         << "\n";
  io::write_text_atomic(dir + "/prefs.jsonl", data.str());
  const std::string args = "align --method dpo --model " + base + " --data " + dir + "/prefs.jsonl --batch 4 --steps 6 "
                           "--lr 1e-3 --threads 1 --quiet --out ";
  std::string out;
  ASSERT_EQ(test::run_command(kBin + " " + args + dir + "/one 2>&1", &out), 0) << out;
  ASSERT_EQ(test::run_mpi(2, args + dir + "/two", &out), 0) << out;
  expect_same_run(dir + "/two", dir + "/one", 6);
}
