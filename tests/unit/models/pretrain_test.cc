// Pretraining against PyTorch: 10 AdamW steps with llm.c's sequential order give the
// reference's losses; a run stopped halfway and resumed ends bit-identical to one that
// never stopped; a training step after warm-up takes no new memory from the system.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/allocator.h"
#include "core/autograd.h"
#include "core/optim/adamw.h"
#include "core/optim/clip.h"
#include "data/token_shard.h"
#include "io/atomic_file.h"
#include "models/checkpoint.h"
#include "support/oracle.h"
#include "support/tiny_models.h"
#include "train/data_loader.h"
#include "train/trainer.h"

using namespace lmf;
using nlohmann::json;

namespace {

json gpt2_config() { return test::tiny_gpt2_config({.vocab = 101, .width = 48}); }
json llama_config() { return test::tiny_llama_config({.vocab = 97, .width = 48, .mlp = 100, .positions = 32}); }

// A data directory with a train.bin of n pseudo-random ids below V (with some structure
// so that the loss moves) and a val.bin.
std::string make_data(int64_t V, int64_t n) {
  std::string dir = test::temp_dir() + "/data";
  std::filesystem::create_directories(dir);
  std::vector<TokenId> ids(static_cast<size_t>(n));
  Tensor r = Tensor::rand({n}, 99, 0.0f, 1.0f);
  auto rv = r.to_vector();
  for (int64_t i = 0; i < n; ++i) ids[size_t(i)] = TokenId(((i % 7) * 3 + int64_t(rv[size_t(i)] * 5)) % V);
  data::write_token_shard(dir + "/train.bin", ids);
  data::write_token_shard(dir + "/val.bin", std::vector<TokenId>(ids.begin(), ids.begin() + n / 4));
  io::write_text_atomic(dir + "/meta.json", json{{"vocab_size", V}}.dump());
  return dir;
}

std::vector<json> read_rows(const std::string& path) {
  std::ifstream in(path);
  std::vector<json> rows;
  std::string line;
  while (std::getline(in, line))
    if (!line.empty()) rows.push_back(json::parse(line));
  return rows;
}

std::vector<double> train_losses(const std::string& run_dir) {
  std::vector<double> out;
  for (auto& r : read_rows(run_dir + "/metrics.jsonl"))
    if (r.contains("loss")) out.push_back(r["loss"]);
  return out;
}

class Pretrain : public ::testing::TestWithParam<json> {};

}  // namespace

TEST_P(Pretrain, TenAdamWStepsMatchPyTorch) {
  json cfg = GetParam();
  std::string ref_dir = test::temp_dir() + "/init";
  test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                  {{"dir", ref_dir}, {"config", cfg}, {"seed", 7}, {"std", 0.05}});
  std::string data = make_data(cfg["vocab_size"], 700);
  train::TrainOptions o;
  o.data_dir = data;
  o.out_dir = test::temp_dir() + "/run";
  o.init_dir = ref_dir;
  o.batch = 2;
  o.seq = 16;
  o.steps = 10;
  o.lr = 3e-3;
  o.schedule = "constant";
  o.weight_decay = 0.1;
  o.grad_clip = 1.0;
  o.order = "sequential";
  o.eval_every = 0;
  o.quiet = true;
  train::run_training(o);
  std::vector<double> got = train_losses(o.out_dir);

  std::vector<int32_t> all;
  auto shard = data::TokenShard::open(data + "/train.bin");
  for (size_t i = 0; i < shard.size(); ++i) all.push_back(int32_t(shard[i]));
  auto ref = test::torch_ref("models", "train", {{"tokens", Tensor::from_ints(all, {int64_t(all.size())})}},
                             {{"dir", ref_dir}, {"B", 2}, {"T", 16}, {"steps", 10}, {"lr", 3e-3}, {"wd", 0.1}, {"clip", 1.0}});
  std::vector<float> want = ref.at("losses").to_vector();
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i], 1e-3 * std::fabs(want[i])) << "step " << i + 1;
  EXPECT_LT(want.back(), want.front());  // the reference run actually learns
}

INSTANTIATE_TEST_SUITE_P(Models, Pretrain, ::testing::Values(gpt2_config(), llama_config()),
                         [](const auto& info) { return std::string(info.param["model_type"]); });

TEST(Pretrain, ResumeIsBitIdentical) {
  std::string data = make_data(101, 2000);
  std::string cfg_path = test::temp_dir() + "/config.json";
  io::write_text_atomic(cfg_path, gpt2_config().dump());
  auto options = [&](const std::string& out, int64_t steps) {
    train::TrainOptions o;
    o.data_dir = data;
    o.out_dir = out;
    o.config_path = cfg_path;
    o.batch = 2;
    o.seq = 16;
    o.grad_accum = 2;
    o.steps = steps;
    o.warmup = 2;
    o.order = "shuffled";
    o.dropout = 0.1;
    o.eval_every = 2;
    o.quiet = true;
    return o;
  };
  std::string straight = test::temp_dir() + "/straight", halves = test::temp_dir() + "/halves";
  train::TrainOptions a = options(straight, 6);
  train::run_training(a);
  train::TrainOptions b = options(halves, 6);
  b.time_limit_s = 1e-9;  // stops (and saves) after the first step
  train::run_training(b);
  train::TrainOptions c = options(halves, 6);
  c.config_path.clear();
  c.resume = true;
  train::run_training(c);
  EXPECT_EQ(io::read_file(straight + "/model.safetensors"), io::read_file(halves + "/model.safetensors"));
  EXPECT_EQ(train_losses(straight), train_losses(halves));
  EXPECT_EQ(train_losses(straight).size(), 6u);
}

TEST(Pretrain, StepAfterWarmupTakesNoNewMemory) {
  Transformer m(ModelConfig::from_json(llama_config(), "test"));
  m.init_weights(1);
  m.set_requires_grad(true);
  optim::NamedTensors named;
  for (auto& p : m.params()) named.push_back({p.name, p.value});
  optim::AdamW opt(optim::decay_groups(named, 0.1));
  Tensor x = Tensor::from_ints(std::vector<int32_t>(32, 3), {2, 16});
  Tensor y = Tensor::from_ints(std::vector<int32_t>(32, 5), {2, 16});
  auto step = [&] {
    opt.zero_grad();
    m.loss(x, y).backward();
    optim::clip_grad_norm(opt, 1.0);
    opt.step();
  };
  for (int i = 0; i < 3; ++i) step();
  uint64_t before = CachingAllocator::stats().system_allocs;
  for (int i = 0; i < 3; ++i) step();
  EXPECT_EQ(CachingAllocator::stats().system_allocs, before);
  EXPECT_EQ(autograd::tape_size(), 0u);
}
