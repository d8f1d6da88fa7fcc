// The recurrent language model (models/rnn_lm.h, models/rnn_lm_train.h) against PyTorch's
// word-language-model example (tests/reference/rnn.py, RNNModel + its train loop): the
// saved model.safetensors loads into it with load_state_dict(strict=True), and truncated
// BPTT over two epochs (hidden state carried detached, reset per epoch, gradient clipping,
// AdamW) gives the same loss at every step and the same validation loss, to 1e-3. Also:
// batchify's layout, a model directory round trip, and `lmforge train --arch gru` end to
// end (results.json's perplexity is the saved model's).
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <vector>

#include "core/random.h"
#include "data/token_shard.h"
#include "io/atomic_file.h"
#include "models/rnn_lm.h"
#include "models/rnn_lm_train.h"
#include "support/oracle.h"

using namespace lmf;
using namespace lmf::models;

namespace {

// Ids with some structure (a noisy cycle) so the model has something to learn.
std::vector<TokenId> stream(size_t n, int64_t V, uint64_t seed) {
  std::vector<TokenId> ids(n);
  for (size_t i = 0; i < n; ++i)
    ids[i] = Philox::uniform_at(seed, i) < 0.7f ? TokenId(i % size_t(V))
                                                : TokenId(int64_t(Philox::uniform_at(seed + 1, i) * float(V)) % V);
  return ids;
}

Tensor as_tensor(const std::vector<TokenId>& ids) {
  return Tensor::from_ints(std::vector<int32_t>(ids.begin(), ids.end()), {int64_t(ids.size())});
}

}  // namespace

TEST(RnnLm, BatchifyCutsTheStreamIntoColumns) {
  const std::string dir = test::temp_dir();
  std::vector<TokenId> ids;
  for (int i = 0; i < 11; ++i) ids.push_back(i);
  data::write_token_shard(dir + "/a.bin", ids);
  Tensor b = batchify(data::TokenShard::open(dir + "/a.bin"), 3);  // S = 3, the last 2 ids dropped
  ASSERT_EQ(b.shape(), (Shape{3, 3}));
  const int32_t* p = b.data<int32_t>();
  EXPECT_EQ(std::vector<int32_t>(p, p + 9), (std::vector<int32_t>{0, 3, 6, 1, 4, 7, 2, 5, 8}));
  EXPECT_THROW(batchify(data::TokenShard::open(dir + "/a.bin"), 6), Error);  // 1 id a stream
}

TEST(RnnLm, TruncatedBpttMatchesPyTorch) {
  const std::string dir = test::temp_dir();
  const int64_t V = 23;
  std::vector<TokenId> train = stream(150, V, 1), val = stream(61, V, 2);
  data::write_token_shard(dir + "/train.bin", train);
  data::write_token_shard(dir + "/val.bin", val);
  RnnLmTrainOptions o;
  o.batch = 3;
  o.bptt = 5;
  o.steps = 12;  // 10 chunks an epoch (S = 50): the state is reset once
  o.lr = 0.05;
  o.grad_clip = 0.25;
  o.eval_batch = 4;
  o.quiet = true;
  test::TensorMap in{{"train", as_tensor(train)}, {"val", as_tensor(val)}};
  nlohmann::json cases = nlohmann::json::array();
  std::vector<RnnLmTrainResult> got;
  std::vector<double> val_loss;
  for (RnnKind kind : {RnnKind::LSTM, RnnKind::GRU}) {
    RnnLmConfig cfg;
    cfg.kind = kind;
    cfg.vocab_size = V;
    cfg.embedding_size = 7;
    cfg.hidden_size = 9;
    cfg.num_layers = 2;
    RnnLm model = RnnLm::init(cfg, 5);
    const std::string mdir = dir + "/" + rnn_kind_name(kind);
    model.save(mdir);
    got.push_back(train_rnn_lm(model, batchify(data::TokenShard::open(dir + "/train.bin"), o.batch), o));
    val_loss.push_back(rnn_lm_eval_loss(model, batchify(data::TokenShard::open(dir + "/val.bin"), o.eval_batch), o.bptt));
    nlohmann::json a = {{"kind", rnn_kind_name(kind)}, {"vocab_size", V},     {"embedding_size", 7},
                        {"hidden_size", 9},           {"num_layers", 2},     {"path", mdir + "/model.safetensors"},
                        {"batch", o.batch},           {"bptt", o.bptt},      {"steps", o.steps},
                        {"lr", o.lr},                 {"clip", o.grad_clip}, {"eval_batch", o.eval_batch}};
    cases.push_back(a);
  }
  test::TensorMap ref = test::torch_ref("rnn", "tbptt", in, {{"cases", cases}});
  for (size_t k = 0; k < cases.size(); ++k) {
    SCOPED_TRACE(cases[k]["kind"].get<std::string>());
    const std::string p = "c" + std::to_string(k) + ".";
    std::vector<float> want = ref[p + "losses"].to_vector();
    ASSERT_EQ(got[k].losses.size(), want.size());
    for (size_t s = 0; s < want.size(); ++s)
      EXPECT_NEAR(got[k].losses[s], want[s], 1e-3 * std::abs(want[s])) << "step " << s + 1;
    EXPECT_LT(want.back(), want.front());  // it learns
    EXPECT_NEAR(val_loss[k], ref[p + "val_loss"].item(), 1e-3 * ref[p + "val_loss"].item());
  }
}

TEST(RnnLm, ModelDirectoryRoundTripAndErrors) {
  const std::string dir = test::temp_dir();
  RnnLmConfig cfg;
  cfg.kind = RnnKind::GRU;
  cfg.vocab_size = 11;
  cfg.embedding_size = 4;
  cfg.hidden_size = 6;
  cfg.num_layers = 2;
  RnnLm a = RnnLm::init(cfg, 3);
  a.save(dir);
  RnnLm b = RnnLm::load(dir);
  EXPECT_EQ(b.config().to_json(), cfg.to_json());
  ASSERT_EQ(a.parameters().size(), b.parameters().size());
  for (size_t i = 0; i < a.parameters().size(); ++i) {
    EXPECT_EQ(a.parameters()[i].first, b.parameters()[i].first);
    EXPECT_EQ(a.parameters()[i].second.to_vector(), b.parameters()[i].second.to_vector());
  }
  io::write_text_atomic(dir + "/config.json", R"({"model_type": "rnn_lm", "rnn_type": "RNN_TANH"})");
  try {
    RnnLm::load(dir);
    FAIL() << "expected a FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("rnn_type"), std::string::npos) << e.what();
  }
  cfg.hidden_size = 5;  // the weights on disk are for 6
  io::write_text_atomic(dir + "/config.json", cfg.to_json().dump());
  try {
    RnnLm::load(dir);
    FAIL() << "expected a FormatError";
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("model.safetensors: tensor rnn.weight_ih_l0 is [18, 4], expected [15, 4]"),
              std::string::npos)
        << e.what();
  }
}

TEST(RnnLm, TrainCommandWritesAModelAndItsValidationPerplexity) {
  const std::string dir = test::temp_dir();
  data::write_token_shard(dir + "/train.bin", stream(400, 17, 3));
  data::write_token_shard(dir + "/val.bin", stream(120, 17, 4));
  std::string out;
  const std::string cmd = std::string(LMFORGE_BINARY) + " train --arch gru --data " + dir + " --out " + dir +
                          "/m --hidden 8 --layers 1 --bptt 6 --batch 4 --steps 20 --lr 0.01 --quiet --threads 1";
  ASSERT_EQ(test::run_command(cmd, &out), 0) << out;
  nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_EQ(j["arch"], "gru");
  EXPECT_EQ(j["steps"], 20);
  nlohmann::json res = nlohmann::json::parse(io::read_file(dir + "/m/results.json"));
  RnnLm m = RnnLm::load(dir + "/m");
  EXPECT_EQ(m.config().vocab_size, 17);  // no meta.json: the largest id + 1
  const double vl = rnn_lm_eval_loss(m, batchify(data::TokenShard::open(dir + "/val.bin"), 10), 6);
  EXPECT_NEAR(res["val_ppl"].get<double>(), std::exp(vl), 1e-4 * std::exp(vl));
  EXPECT_NEAR(j["val_perplexity"].get<double>(), std::exp(vl), 1e-4 * std::exp(vl));
  EXPECT_LT(vl, std::log(17.0));  // better than uniform
  EXPECT_NE(test::run_command(std::string(LMFORGE_BINARY) + " train --arch lstm --data " + dir + "/none --out " + dir +
                                  "/m2 --quiet 2>&1",
                              &out),
            0);
  EXPECT_NE(out.find("none/train.bin"), std::string::npos) << out;
}
