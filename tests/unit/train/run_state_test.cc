// Training state beside a model: round trip, atomic replacement, and the checks on load.
#include <gtest/gtest.h>

#include <filesystem>

#include "core/error.h"
#include "io/atomic_file.h"
#include "support/oracle.h"
#include "train/run_state.h"

using namespace lmf;
namespace fs = std::filesystem;

namespace {

std::vector<std::string> tensor_files(const std::string& dir) {
  std::vector<std::string> out;
  for (auto& e : fs::directory_iterator(dir))
    if (e.path().extension() == ".safetensors") out.push_back(e.path().filename().string());
  return out;
}

}  // namespace

TEST(RunState, RoundTripAndReplacement) {
  std::string dir = test::temp_dir() + "/run";
  EXPECT_FALSE(train::has_run_state(dir));
  train::RunState st;
  st.step = 50;
  st.seed = 0xFFFFFFFFFFFFFFF1ull;  // beyond double precision: must survive exactly
  st.loader = {{"order", "shuffled"}, {"epoch", 2}};
  st.options = {{"lr", 3e-4}, {"batch", 8}};
  st.extra = {{"best_val", 2.5}};
  Tensor m = Tensor::randn({3, 7}, 1), v = Tensor::rand({7}, 2);
  train::save_run_state(dir, st, {{"adamw.m.wte", m}, {"adamw.v.wte", v}, {"count", Tensor::from_ints({50}, {1})}});
  EXPECT_TRUE(train::has_run_state(dir));
  auto got = train::load_run_state(dir);
  EXPECT_EQ(got.state.step, 50);
  EXPECT_EQ(got.state.seed, st.seed);
  EXPECT_EQ(got.state.loader, st.loader);
  EXPECT_EQ(got.state.options, st.options);
  EXPECT_EQ(got.state.extra, st.extra);
  ASSERT_EQ(got.tensors.size(), 3u);
  EXPECT_EQ(got.tensors[0].first, "adamw.m.wte");
  EXPECT_EQ(got.tensors[0].second.to_vector(), m.to_vector());
  EXPECT_EQ(got.tensors[1].second.to_vector(), v.to_vector());
  EXPECT_EQ(got.tensors[2].second.dtype(), DType::I32);

  // A stray file from an interrupted save is cleaned up by the next save; one tensor file stays.
  io::write_text_atomic(dir + "/optimizer-step00000099-dead.safetensors", "partial");
  st.step = 100;
  train::save_run_state(dir, st, {{"adamw.m.wte", v}});
  EXPECT_EQ(tensor_files(dir).size(), 1u);
  auto again = train::load_run_state(dir);
  EXPECT_EQ(again.state.step, 100);
  EXPECT_EQ(again.tensors.at(0).second.to_vector(), v.to_vector());
}

TEST(RunState, DamagedStateIsAClearError) {
  std::string dir = test::temp_dir();
  train::RunState st;
  st.step = 7;
  train::save_run_state(dir, st, {{"m", Tensor::randn({64}, 3)}});
  const std::string tensor_file = dir + "/" + tensor_files(dir).at(0);
  const std::string json = io::read_file(dir + "/trainer_state.json");
  auto expect_error = [&](const std::string& needle) {
    try {
      train::load_run_state(dir);
      ADD_FAILURE() << "no error for " << needle;
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  std::string bytes = io::read_file(tensor_file);
  bytes[bytes.size() - 1] ^= 1;
  io::write_text_atomic(tensor_file, bytes);
  expect_error("does not match");
  fs::remove(tensor_file);
  expect_error("which is missing");
  io::write_text_atomic(dir + "/trainer_state.json", json.substr(0, json.size() / 2));
  expect_error("trainer_state.json: not valid JSON");
  io::write_text_atomic(dir + "/trainer_state.json", "{\"format\": \"lmforge-trainer-state\", \"version\": 1}");
  expect_error("trainer_state.json");
}
