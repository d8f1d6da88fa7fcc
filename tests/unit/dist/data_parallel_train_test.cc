// `mpirun -np 2 lmforge train`: 2 ranks × half the batch give the per-step losses and the
// final weights of 1 rank × the batch (to float rounding), --zero 1 the same as plain data
// parallel with the full optimizer state in its checkpoint, a 2-rank checkpoint resumes
// with 1 rank exactly as the 1-rank run continues, rank 0 alone writes, a batch that
// does not divide by the ranks is refused, and a rank killed mid-run ends the job with a
// non-zero exit naming it while the last checkpoint stays loadable and resumable.
#include <gtest/gtest.h>

#include <signal.h>

#include <chrono>
#include <cmath>
#include <filesystem>
#include <fstream>
#include <thread>
#include <vector>

#include "data/token_shard.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "support/mpi_run.h"
#include "support/oracle.h"
#include "support/tiny_models.h"
#include "train/metrics_log.h"

using namespace lmf;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kBin = LMFORGE_BINARY;

// A tiny GPT-2 config and token shards over its 61 ids.
std::string make_data(const std::string& dir) {
  io::write_text_atomic(dir + "/config.json", test::tiny_gpt2_config({.positions = 32}).dump());
  std::vector<TokenId> train, val;
  for (uint32_t i = 0; i < 6000; ++i) train.push_back((i * 7 + i / 5 + (i * i) % 13) % 61);
  for (uint32_t i = 0; i < 800; ++i) val.push_back((i * 11 + i / 3) % 61);
  fs::create_directories(dir + "/data");
  data::write_token_shard(dir + "/data/train.bin", train);
  data::write_token_shard(dir + "/data/val.bin", val);
  return dir + "/data";
}

// Same options for every run; `extra` adds --out, --steps, --resume...
std::string train_args(const std::string& dir, const std::string& extra) {
  return "train --data " + dir + "/data --config " + dir + "/config.json --batch 4 --seq 16 --order shuffled "
         "--schedule constant --lr 3e-3 --grad-clip 0.5 --eval-every 5 --eval-batches 2 --threads 1 --quiet " + extra;
}

struct RunRows {
  std::vector<double> losses, val_losses;
  std::vector<int64_t> world_sizes;
  std::vector<int64_t> buckets, buckets_in_backward;  // train rows of a multi-rank run
};
RunRows read_run(const std::string& run_dir) {
  RunRows r;
  for (const json& row : train::MetricsLog::read(run_dir + "/metrics.jsonl")) {
    r.world_sizes.push_back(row.value("world_size", int64_t(-1)));
    if (row.contains("loss")) r.losses.push_back(row["loss"].get<double>());
    if (row.contains("buckets")) {
      r.buckets.push_back(row["buckets"].get<int64_t>());
      r.buckets_in_backward.push_back(row["buckets_started_in_backward"].get<int64_t>());
    }
    if (row.contains("val_loss")) r.val_losses.push_back(row["val_loss"].get<double>());
  }
  return r;
}

void expect_close(const std::vector<double>& got, const std::vector<double>& want, double rel, const char* what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (size_t i = 0; i < got.size(); ++i)
    EXPECT_NEAR(got[i], want[i], rel * std::abs(want[i])) << what << " " << i;
}

// Every tensor of two safetensors files, to `rel` of the larger magnitude. The weights are
// compared to 1e-3: the attention key bias has a zero gradient up to rounding (softmax
// ignores a constant per query), and AdamW turns that rounding noise into steps of about lr.
void expect_same_tensors(const std::string& a, const std::string& b, double rel) {
  auto fa = io::SafetensorsFile::open(a), fb = io::SafetensorsFile::open(b);
  auto na = fa.names(), nb = fb.names();
  std::sort(na.begin(), na.end());
  std::sort(nb.begin(), nb.end());
  ASSERT_EQ(na, nb) << a << " vs " << b;
  for (const std::string& n : na) {
    Tensor ta = fa.get(n), tb = fb.get(n);
    ASSERT_EQ(ta.shape(), tb.shape()) << n;
    EXPECT_LE(test::rel_error(ta, tb), rel) << n;
  }
}

// The pid of the process whose environment holds OMPI_COMM_WORLD_RANK=`rank` and whose
// command line mentions `marker`, or -1.
int rank_pid(int rank, const std::string& marker) {
  const std::string want = "OMPI_COMM_WORLD_RANK=" + std::to_string(rank);
  for (const auto& e : fs::directory_iterator("/proc")) {
    const std::string name = e.path().filename().string();
    if (name.find_first_not_of("0123456789") != std::string::npos) continue;
    std::ifstream env(e.path() / "environ"), cmd(e.path() / "cmdline");
    std::string envs((std::istreambuf_iterator<char>(env)), {}), cmdline((std::istreambuf_iterator<char>(cmd)), {});
    if (cmdline.find(marker) == std::string::npos || cmdline.find("mpirun") != std::string::npos) continue;
    for (size_t at = 0; at < envs.size();) {
      const size_t end = envs.find('\0', at);
      if (envs.compare(at, end == std::string::npos ? std::string::npos : end - at, want) == 0) return std::stoi(name);
      if (end == std::string::npos) break;
      at = end + 1;
    }
  }
  return -1;
}

// Waits up to `seconds` for `ready`; false when it never became true.
template <class F>
bool wait_for(F&& ready, double seconds) {
  const auto until = std::chrono::steady_clock::now() + std::chrono::duration<double>(seconds);
  while (!ready()) {
    if (std::chrono::steady_clock::now() > until) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  return true;
}

std::string optimizer_file(const std::string& run_dir) {
  for (const auto& e : fs::directory_iterator(run_dir + "/training_state"))
    if (e.path().filename().string().starts_with("optimizer")) return e.path().string();
  return "";
}

}  // namespace

TEST(DataParallelTrain, TwoRanksEqualOneRankZeroOneAndResumeWithOneRank) {
  const std::string dir = test::temp_dir();
  make_data(dir);
  std::string out;
  ASSERT_EQ(test::run_command(kBin + " " + train_args(dir, "--out " + dir + "/one --steps 20") + " 2>&1", &out), 0) << out;
  ASSERT_EQ(test::run_mpi(2, train_args(dir, "--out " + dir + "/two --steps 20"), &out), 0) << out;
  ASSERT_EQ(test::run_mpi(2, train_args(dir, "--out " + dir + "/zero --steps 20 --zero 1"), &out), 0) << out;
  // 4 KiB buckets: the model's 28 tensors in 7 buckets.
  ASSERT_EQ(test::run_mpi(2, train_args(dir, "--out " + dir + "/small --steps 20 --bucket-mb 0.004"), &out), 0) << out;

  const RunRows one = read_run(dir + "/one"), two = read_run(dir + "/two"), zero = read_run(dir + "/zero"),
                small = read_run(dir + "/small");
  ASSERT_EQ(one.losses.size(), 20u);
  expect_close(two.losses, one.losses, 1e-5, "2 ranks loss");
  expect_close(two.val_losses, one.val_losses, 1e-5, "2 ranks val_loss");
  expect_close(zero.losses, two.losses, 1e-5, "--zero 1 loss");
  expect_close(small.losses, one.losses, 1e-5, "small buckets loss");
  ASSERT_EQ(small.buckets.size(), 20u);
  for (size_t i = 0; i < 20; ++i) {
    EXPECT_GE(small.buckets[i], 5);
    // Every bucket's all-reduce starts inside backward (the last when the embedding, the first
    // node recorded, has run), none waits for finish().
    EXPECT_EQ(small.buckets_in_backward[i], small.buckets[i]) << i;
  }
  // Rank 0 alone wrote the metrics: one row per step and evaluation, each with world_size.
  EXPECT_EQ(one.world_sizes, std::vector<int64_t>(one.world_sizes.size(), 1));
  EXPECT_EQ(two.world_sizes, std::vector<int64_t>(one.world_sizes.size(), 2));
  // The losses moved: the comparison is not between two copies of the starting point.
  EXPECT_LT(one.losses.back(), one.losses.front() - 0.1);

  expect_same_tensors(dir + "/two/model.safetensors", dir + "/one/model.safetensors", 1e-3);
  expect_same_tensors(dir + "/zero/model.safetensors", dir + "/two/model.safetensors", 1e-3);
  // --zero 1's checkpoint holds the whole optimizer state, gathered from both ranks.
  expect_same_tensors(optimizer_file(dir + "/zero"), optimizer_file(dir + "/one"), 1e-3);

  // A 2-rank run of 10 steps, resumed with 1 rank to 20: steps 11-20 and the weights of the 1-rank run.
  ASSERT_EQ(test::run_mpi(2, train_args(dir, "--out " + dir + "/resumed --steps 10"), &out), 0) << out;
  ASSERT_EQ(test::run_command(kBin + " " + train_args(dir, "--out " + dir + "/resumed --steps 20 --resume") + " 2>&1", &out),
            0)
      << out;
  const RunRows resumed = read_run(dir + "/resumed");
  expect_close(resumed.losses, one.losses, 1e-5, "resumed loss");
  expect_same_tensors(dir + "/resumed/model.safetensors", dir + "/one/model.safetensors", 1e-3);
}

TEST(DataParallelTrain, RefusesABatchThatDoesNotDivideAndNamesRanksAndHosts) {
  const std::string dir = test::temp_dir();
  make_data(dir);
  std::string out;
  EXPECT_NE(test::run_mpi(2, "train --data " + dir + "/data --config " + dir + "/config.json --batch 3 --seq 16 --steps 2 "
                             "--threads 1 --out " + dir + "/odd", &out), 0);
  EXPECT_NE(out.find("--batch 3 is the global batch and must divide by the 2 ranks"), std::string::npos) << out;
  EXPECT_FALSE(fs::exists(dir + "/odd/model.safetensors"));
  ASSERT_EQ(test::run_mpi(2, "train --data " + dir + "/data --config " + dir + "/config.json --batch 2 --seq 16 --steps 2 "
                             "--threads 1 --eval-batches 1 --out " + dir + "/named", &out), 0) << out;
  EXPECT_NE(out.find("data parallel: 2 ranks on "), std::string::npos) << out;
  EXPECT_NE(out.find("(0,1)"), std::string::npos) << out;
}

TEST(DataParallelTrain, AKilledRankEndsTheJobNamingItAndTheCheckpointResumes) {
  const std::string dir = test::temp_dir();
  make_data(dir);
  const std::string run = dir + "/killed";
  // In the background: a long 2-rank run checkpointing every 5 steps (--time-limit ends it if the kill fails).
  const std::string job = test::mpi_command(2, train_args(dir, "--out " + run + " --steps 100000 --save-every 5 --time-limit 60"));
  ASSERT_EQ(test::run_command("(" + job + " > " + dir + "/log 2>&1; echo $? > " + dir + "/rc) > /dev/null 2>&1 &"), 0);
  ASSERT_TRUE(wait_for([&] { return fs::exists(run + "/metrics.jsonl") && read_run(run).losses.size() >= 12; }, 60))
      << io::read_file(dir + "/log");
  const int pid = rank_pid(1, run);
  ASSERT_GT(pid, 0);
  ASSERT_EQ(kill(pid, SIGKILL), 0);
  ASSERT_TRUE(wait_for([&] { return fs::exists(dir + "/rc") && fs::file_size(dir + "/rc") > 0; }, 30));
  const std::string log = io::read_file(dir + "/log");
  EXPECT_NE(std::stoi(io::read_file(dir + "/rc")), 0) << log;
  EXPECT_NE(log.find("rank 1"), std::string::npos) << log;
  EXPECT_NE(log.find("signal 9"), std::string::npos) << log;

  // The last checkpoint loads and the run resumes from it (with one rank) for two more steps.
  const json state = json::parse(io::read_file(run + "/training_state/trainer_state.json"));
  const int64_t saved = state["step"].get<int64_t>();
  EXPECT_GE(saved, 5);
  EXPECT_EQ(saved % 5, 0);
  std::string out;
  ASSERT_EQ(test::run_command(kBin + " " + train_args(dir, "--out " + run + " --resume --steps " + std::to_string(saved + 2)) +
                                  " 2>&1", &out),
            0)
      << out;
  EXPECT_EQ(read_run(run).losses.size(), size_t(saved + 2));
}
