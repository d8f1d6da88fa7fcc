// The ELMo-style biLM (models/bilm.h, models/bilm_train.h) against a PyTorch biLM written from
// the definition (tests/reference/bilm.py: nn.Embedding, two nn.LSTMs, the backward one fed
// the sequence reversed, one shared nn.Linear): the saved model.safetensors loads into it with
// load_state_dict(strict=True); the loss and every parameter's gradient agree to 1e-4, the
// layer representations and their scalar mix too, and a few AdamW steps give the same losses
// to 1e-3. Also: a model directory round trip, `lmforge train --arch bilm` end to end, and
// `lmforge embed --per-token` (the same token gets different vectors in different contexts).
#include <gtest/gtest.h>

#include <cmath>
#include <sstream>
#include <vector>

#include "core/random.h"
#include "data/token_shard.h"
#include "io/atomic_file.h"
#include "models/bilm.h"
#include "models/bilm_embed.h"
#include "models/bilm_train.h"
#include "models/rnn_lm_train.h"
#include "support/byte_tokenizer.h"
#include "support/oracle.h"

using namespace lmf;
using namespace lmf::models;

namespace {

std::vector<int32_t> noisy_cycle(size_t n, int64_t V, uint64_t seed) {
  std::vector<int32_t> ids(n);
  for (size_t i = 0; i < n; ++i)
    ids[i] = Philox::uniform_at(seed, i) < 0.7f ? int32_t(i % size_t(V))
                                                : int32_t(int64_t(Philox::uniform_at(seed + 1, i) * float(V)) % V);
  return ids;
}

BiLmConfig small_config(int64_t V) {
  BiLmConfig c;
  c.vocab_size = V;
  c.hidden_size = 6;
  c.num_layers = 2;
  return c;
}

// A fresh model with a non-trivial mix (s, γ), so the mix is tested beyond equal weights.
BiLm with_mix(const BiLmConfig& cfg) {
  BiLm a = BiLm::init(cfg, 7);
  std::map<std::string, Tensor> t;
  for (auto& [n, p] : a.parameters()) t[n] = p.detach();
  t["scalar_mix.weight"] = Tensor::from_vector({0.3f, -0.2f, 0.5f}, {3});
  t["scalar_mix.gamma"] = Tensor::from_vector({1.7f}, {1});
  return BiLm::from_tensors(cfg, t, "test");
}

nlohmann::json case_args(const BiLmConfig& c, const std::string& path) {
  return {{"vocab_size", c.vocab_size}, {"hidden_size", c.hidden_size}, {"num_layers", c.num_layers}, {"path", path}};
}

}  // namespace

TEST(BiLm, LossGradientsLayersAndMixMatchPyTorch) {
  const std::string dir = test::temp_dir();
  const BiLmConfig cfg = small_config(13);
  BiLm m = with_mix(cfg);
  m.save(dir);
  const Tensor window = Tensor::from_ints(noisy_cycle(8 * 3, 13, 1), {8, 3});  // T = 7, B = 3
  const Tensor ids = Tensor::from_ints(noisy_cycle(5 * 2, 13, 2), {5, 2});
  Tensor loss = m.loss(window);
  loss.backward();
  std::vector<Tensor> layers = m.layers(ids);
  Tensor mixed = m.mix(layers);
  test::TensorMap ref = test::torch_ref("bilm", "loss_and_grads", {{"window", window}, {"ids", ids}},
                                        case_args(cfg, dir + "/model.safetensors"));
  EXPECT_NEAR(loss.item(), ref["loss"].item(), 1e-4 * ref["loss"].item());
  for (auto& [name, p] : m.parameters()) {
    ASSERT_TRUE(ref.count("d." + name)) << name;
    EXPECT_LT(test::rel_error(p.grad(), ref["d." + name]), 1e-4) << name;
  }
  ASSERT_EQ(layers.size(), 3u);
  for (size_t j = 0; j < layers.size(); ++j) {
    EXPECT_EQ(layers[j].shape(), (Shape{5, 2, 12}));
    EXPECT_LT(test::rel_error(layers[j], ref["layer" + std::to_string(j)]), 1e-4) << "layer " << j;
  }
  EXPECT_LT(test::rel_error(mixed, ref["mix"]), 1e-4);
}

TEST(BiLm, TrainingStepsMatchPyTorch) {
  const std::string dir = test::temp_dir();
  const int64_t V = 11;
  const std::vector<int32_t> train = noisy_cycle(90, V, 3);
  std::vector<TokenId> tok(train.begin(), train.end());
  data::write_token_shard(dir + "/train.bin", tok);
  BiLmTrainOptions o;
  o.batch = 3;
  o.bptt = 6;
  o.steps = 15;  // 5 windows an epoch (S = 30): three passes over the stream
  o.lr = 0.05;
  o.grad_clip = 0.5;
  o.quiet = true;
  const BiLmConfig cfg = small_config(V);
  BiLm m = BiLm::init(cfg, 4);
  m.save(dir + "/m");
  const BiLmTrainResult r = train_bilm(m, batchify(data::TokenShard::open(dir + "/train.bin"), o.batch), o);
  nlohmann::json a = case_args(cfg, dir + "/m/model.safetensors");
  a.update({{"batch", o.batch}, {"bptt", o.bptt}, {"steps", o.steps}, {"lr", o.lr}, {"clip", o.grad_clip}});
  test::TensorMap ref =
      test::torch_ref("bilm", "train", {{"train", Tensor::from_ints(train, {int64_t(train.size())})}}, a);
  const std::vector<float> want = ref["losses"].to_vector();
  ASSERT_EQ(r.losses.size(), want.size());
  for (size_t s = 0; s < want.size(); ++s) EXPECT_NEAR(r.losses[s], want[s], 1e-3 * want[s]) << "step " << s + 1;
  double first = 0, third = 0;  // it learns: the third pass over the stream against the first
  for (size_t s = 0; s < 5; ++s) {
    first += want[s];
    third += want[s + 10];
  }
  EXPECT_LT(third, first);
}

TEST(BiLm, ModelDirectoryRoundTripAndTrainCommand) {
  const std::string dir = test::temp_dir();
  const BiLmConfig cfg = small_config(9);
  BiLm a = with_mix(cfg);
  a.save(dir + "/a");
  BiLm b = BiLm::load(dir + "/a");
  EXPECT_EQ(b.config().to_json(), cfg.to_json());
  const Tensor ids = Tensor::from_ints(noisy_cycle(4, 9, 5), {4, 1});
  EXPECT_EQ(a.mix(a.layers(ids)).to_vector(), b.mix(b.layers(ids)).to_vector());
  io::write_text_atomic(dir + "/a/config.json", R"({"model_type": "rnn_lm"})");
  EXPECT_THROW(BiLm::load(dir + "/a"), FormatError);

  const std::vector<int32_t> tr = noisy_cycle(400, 17, 6), va = noisy_cycle(120, 17, 7);
  data::write_token_shard(dir + "/train.bin", std::vector<TokenId>(tr.begin(), tr.end()));
  data::write_token_shard(dir + "/val.bin", std::vector<TokenId>(va.begin(), va.end()));
  std::string out;
  const std::string cmd = std::string(LMFORGE_BINARY) + " train --arch bilm --data " + dir + " --out " + dir +
                          "/m --hidden 8 --layers 1 --bptt 8 --batch 4 --steps 30 --lr 0.02 --quiet --threads 1";
  ASSERT_EQ(test::run_command(cmd, &out), 0) << out;
  nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_EQ(j["arch"], "bilm");
  BiLm m = BiLm::load(dir + "/m");
  EXPECT_EQ(nlohmann::json::parse(io::read_file(dir + "/m/config.json"))["model_type"], "bilm");
  const double vl = bilm_eval_loss(m, batchify(data::TokenShard::open(dir + "/val.bin"), 10), 8);
  EXPECT_NEAR(j["val_perplexity"].get<double>(), std::exp(vl), 1e-4 * std::exp(vl));
  EXPECT_LT(vl, std::log(17.0));  // better than uniform
}

TEST(BiLm, EmbedPerTokenGivesTheLayerMixOfEachToken) {
  const std::string dir = test::temp_dir();
  BiLmConfig cfg = small_config(257);  // the byte tokenizer's 256 bytes and <|endoftext|>
  with_mix(cfg).save(dir + "/m");
  test::byte_tokenizer(false).save_json(dir + "/m/tokenizer.json");
  io::write_text_atomic(dir + "/in.jsonl", "{\"text\": \"a bat\", \"id\": \"x\"}\n{\"text\": \"the bat\"}\n");
  std::string out;
  ASSERT_EQ(test::run_command(std::string(LMFORGE_BINARY) + " embed --model " + dir + "/m --per-token --input " + dir +
                                  "/in.jsonl --threads 1",
                              &out),
            0)
      << out;
  std::istringstream lines(out);
  std::string line;
  std::vector<nlohmann::json> got;
  while (std::getline(lines, line)) got.push_back(nlohmann::json::parse(line));
  ASSERT_EQ(got.size(), 2u);
  EXPECT_EQ(got[0]["id"], "x");
  EXPECT_EQ(got[1]["id"], 1);
  EXPECT_EQ(got[0]["tokens"], (nlohmann::json{"a", " ", "b", "a", "t"}));
  const BiLm m = BiLm::load(dir + "/m");
  const std::vector<float> want = m.mix(m.layers(Tensor::from_ints({'a', ' ', 'b', 'a', 't'}, {5, 1}))).to_vector();
  ASSERT_EQ(got[0]["embeddings"].size(), 5u);
  for (size_t t = 0; t < 5; ++t)
    for (size_t c = 0; c < 12; ++c) EXPECT_EQ(got[0]["embeddings"][t][c].get<float>(), want[t * 12 + c]);
  // "t" ends both texts but its forward context differs: so does its vector.
  EXPECT_NE(got[0]["embeddings"][4], got[1]["embeddings"][6]);
  EXPECT_NE(test::run_command(std::string(LMFORGE_BINARY) + " embed --model " + dir + "/none --per-token --input " +
                                  dir + "/in.jsonl 2>&1",
                              &out),
            0);
}
