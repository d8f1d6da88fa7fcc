// GPT-2 and Llama decoders against the PyTorch reference (tests/reference/models.py):
// random-weight checkpoints written by the reference with HF names and layouts load here
// and give the same logits; checkpoints written here load there; greedy decoding with
// the KV cache equals the reference's full recomputation.
#include <gtest/gtest.h>

#include <unistd.h>

#include <filesystem>

#include "core/autograd.h"
#include "infer/generate.h"
#include "io/atomic_file.h"
#include "models/checkpoint.h"
#include "support/oracle.h"
#include "support/tiny_models.h"

using namespace lmf;
using nlohmann::json;

namespace {

// Odd sizes on purpose: vocab 101, 3 heads of 16, MLP 4·48; llama with GQA 6/2 and MLP 100.
json gpt2_config() { return test::tiny_gpt2_config({.vocab = 101, .width = 48, .positions = 64}); }
json llama_config(bool tied = false) {
  return test::tiny_llama_config({.vocab = 97, .width = 48, .mlp = 100, .positions = 64, .tied = tied});
}

std::string write_reference_checkpoint(const json& cfg, int seed) {
  std::string dir = test::temp_dir() + "/ref";
  test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                  {{"dir", dir}, {"config", cfg}, {"seed", seed}});
  return dir;
}

Tensor random_ids(int64_t B, int64_t T, int64_t V, uint64_t seed) {
  Tensor r = Tensor::rand({B, T}, seed, 0.0f, float(V));
  std::vector<int32_t> ids;
  for (float x : r.to_vector()) ids.push_back(std::min<int32_t>(int32_t(x), int32_t(V - 1)));
  return Tensor::from_ints(ids, {B, T});
}

class Checkpoints : public ::testing::TestWithParam<json> {};

}  // namespace

TEST_P(Checkpoints, LogitsMatchPyTorchBothWays) {
  json cfg = GetParam();
  std::string dir = write_reference_checkpoint(cfg, 3);
  Transformer model = load_model(dir);
  Tensor ids = random_ids(2, 13, cfg["vocab_size"], 11);
  Tensor logits;
  {
    autograd::NoGradGuard ng;
    logits = model.forward(ids);
  }
  auto ref = test::torch_ref("models", "logits", {{"ids", ids}}, {{"dir", dir}});
  EXPECT_LE(test::rel_error(logits, ref.at("logits")), 1e-4);

  // Reverse: lmforge writes, the reference reads.
  std::string out = test::temp_dir() + "/ours";
  save_model(model, out);
  auto ref2 = test::torch_ref("models", "logits", {{"ids", ids}}, {{"dir", out}});
  EXPECT_LE(test::rel_error(logits, ref2.at("logits")), 1e-4);
  EXPECT_FALSE(std::filesystem::exists(out + "/model.safetensors.tmp." + std::to_string(::getpid())));
}

// F16 and BF16 checkpoints load (widened to F32) and give the reference's logits for the
// same rounded weights.
TEST(Checkpoints, HalfPrecisionFilesLoad) {
  for (const char* dtype : {"F16", "BF16"}) {
    json cfg = llama_config(false);
    std::string dir = test::temp_dir() + "/" + dtype;
    test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                    {{"dir", dir}, {"config", cfg}, {"seed", 9}, {"dtype", dtype}});
    Transformer model = load_model(dir);
    Tensor ids = random_ids(1, 9, cfg["vocab_size"], 4);
    autograd::NoGradGuard ng;
    Tensor logits = model.forward(ids);
    auto ref = test::torch_ref("models", "logits", {{"ids", ids}}, {{"dir", dir}});
    EXPECT_LE(test::rel_error(logits, ref.at("logits")), 1e-4) << dtype;
  }
}

TEST_P(Checkpoints, GreedyDecodingWithKVCacheMatchesFullRecompute) {
  json cfg = GetParam();
  std::string dir = write_reference_checkpoint(cfg, 5);
  Transformer model = load_model(dir);
  Tensor prompt = random_ids(1, 7, cfg["vocab_size"], 21);
  GenerateOptions opt;
  opt.max_new_tokens = 32;
  opt.sampling.temperature = 0;
  std::vector<int32_t> p;
  for (float x : prompt.to_vector()) p.push_back(int32_t(x));
  std::vector<int32_t> got = generate(model, p, opt);
  auto ref = test::torch_ref("models", "greedy", {{"prompt", prompt}}, {{"dir", dir}, {"n", 32}});
  std::vector<int32_t> want;
  for (float x : ref.at("ids").to_vector()) want.push_back(int32_t(x));
  EXPECT_EQ(got, want);
}

INSTANTIATE_TEST_SUITE_P(Models, Checkpoints, ::testing::Values(gpt2_config(), llama_config(false), llama_config(true)),
                         [](const auto& info) {
                           return std::string(info.param["model_type"]) +
                                  (info.param.value("tie_word_embeddings", true) ? "_tied" : "_untied");
                         });

TEST(Checkpoints, CorruptFilesAreClearErrors) {
  std::string dir = write_reference_checkpoint(gpt2_config(), 1);
  auto expect_error = [&](const std::string& needle) {
    try {
      load_model(dir);
      FAIL() << "expected an error containing " << needle;
    } catch (const Error& e) {
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  std::string cfg = io::read_file(dir + "/config.json");
  std::string st = io::read_file(dir + "/model.safetensors");
  io::write_text_atomic(dir + "/model.safetensors", st.substr(0, st.size() / 2));
  expect_error("model.safetensors");
  io::write_text_atomic(dir + "/model.safetensors", st);
  io::write_text_atomic(dir + "/config.json", cfg.substr(0, cfg.size() - 5));
  expect_error("config.json: not valid JSON");
  json c = gpt2_config();
  c["n_embd"] = 63;  // still divisible by 3 heads, but the tensors no longer fit
  io::write_text_atomic(dir + "/config.json", c.dump());
  expect_error("the config implies");
  c = gpt2_config();
  c.erase("n_layer");
  io::write_text_atomic(dir + "/config.json", c.dump());
  expect_error("missing field 'n_layer'");
  c = gpt2_config();
  c["n_head"] = 5;
  io::write_text_atomic(dir + "/config.json", c.dump());
  expect_error("not divisible");
  EXPECT_THROW(load_model(dir + "/nope"), FormatError);
}
