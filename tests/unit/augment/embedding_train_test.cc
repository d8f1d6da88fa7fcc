// `lmforge embed train` (augment/embedding_train.h): a short run on a tiny random GPT-2 over
// bytes lowers the contrastive loss of its pairs as the PyTorch reference measures it on the
// starting and the written model (tests/reference/embedding.py `pairs_loss`); the losses the
// command reports are the reference's; the written folder loads in `embed` and `generate`.
// Bad pair files are errors naming the line, with no output folder left behind.
#include <gtest/gtest.h>

#include <filesystem>

#include "io/atomic_file.h"
#include "models/checkpoint.h"
#include "support/byte_tokenizer.h"
#include "support/oracle.h"
#include "support/tiny_models.h"

using namespace lmf;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::string kBin = LMFORGE_BINARY;

const std::vector<std::pair<std::string, std::string>> kPairs = {
    {"dwarf", "a small person"},        {"jury", "people who decide a trial"}, {"river", "a large flow of water"},
    {"bread", "food baked from flour"}, {"king", "a male ruler"},              {"snow", "frozen rain in flakes"},
    {"clock", "a device for time"},     {"ship", "a big boat on the sea"}};

std::string model_dir() {
  static const std::string dir = [] {
    const std::string d = test::temp_dir() + "/base";
    Transformer m(ModelConfig::from_json(test::tiny_gpt2_config({.vocab = 257, .width = 24, .positions = 48}), "tiny"));
    m.init_weights(7);
    save_model(m, d);
    test::byte_tokenizer(false).save_json(d + "/tokenizer.json");
    return d;
  }();
  return dir;
}

}  // namespace

TEST(EmbedTrain, ShortRunLowersTheLossOnItsPairs) {
  const std::string work = test::temp_dir();
  std::string lines;
  for (const auto& [a, p] : kPairs) lines += json{{"anchor", a}, {"positive", p}}.dump() + "\n";
  io::write_text_atomic(work + "/pairs.jsonl", lines);
  std::string out;
  ASSERT_EQ(test::run_command(kBin + " embed train --model " + model_dir() + " --pairs " + work + "/pairs.jsonl --out " +
                                  work + "/tuned --steps 12 --batch 8 --lr 3e-3 --temperature 0.1 --seed 2 --quiet",
                              &out),
            0)
      << out;
  const json r = json::parse(out);
  EXPECT_EQ(r["steps"], 12);
  EXPECT_EQ(r["pairs"], 8);

  json pairs = json::array();
  for (const auto& [a, p] : kPairs) pairs.push_back({a, p});
  const test::TensorMap ref = test::torch_ref(
      "embedding", "pairs_loss", {{"dummy", Tensor::zeros({1})}},
      {{"model_dirs", {model_dir(), work + "/tuned"}}, {"pairs", pairs}, {"pooling", "mean"}, {"temperature", 0.1}});
  const double before = ref.at("loss:0").item(), after = ref.at("loss:1").item();
  EXPECT_LT(after, 0.5 * before) << "before " << before << ", after " << after;
  // The command's own measure of both (one batch of all 8 pairs) is the reference's.
  EXPECT_NEAR(r["loss_before"].get<double>(), before, 1e-4);
  EXPECT_NEAR(r["loss_after"].get<double>(), after, 1e-4);

  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "metrics.jsonl"})
    EXPECT_TRUE(fs::exists(work + "/tuned/" + f)) << f;
  io::write_text_atomic(work + "/in.jsonl", "{\"text\": \"dwarf\"}\n");
  EXPECT_EQ(test::run_command(kBin + " embed --model " + work + "/tuned --input " + work + "/in.jsonl > /dev/null 2>&1"), 0);
  EXPECT_EQ(test::run_command(kBin + " generate --model " + work + "/tuned --prompt ab --max-new-tokens 2 > /dev/null 2>&1"),
            0);
}

TEST(EmbedTrain, BadPairsNameTheLineAndLeaveNoFolder) {
  const std::string work = test::temp_dir();
  const std::vector<std::pair<std::string, std::string>> bad = {
      {"{\"anchor\": \"a\", \"positive\": \"b\"}\n{\"anchor\": \"a\"}\n", "pairs.jsonl:2: missing string field 'positive'"},
      {"{\"anchor\": \"a\", \"positive\": \"b\", \"negative\": 3}\n", "pairs.jsonl:1: 'negative' must be a string"},
      {"not json\n", "pairs.jsonl:1: not a JSON object"},
      {"{\"anchor\": \"a\", \"positive\": \"" + std::string(50, 'b') + "\"}\n",
       "pairs.jsonl:1: positive: the text has 50 tokens, more than the model's context of 48"},
  };
  for (const auto& [lines, message] : bad) {
    io::write_text_atomic(work + "/pairs.jsonl", lines);
    std::string out;
    EXPECT_EQ(test::run_command(kBin + " embed train --model " + model_dir() + " --pairs " + work + "/pairs.jsonl --out " +
                                    work + "/tuned --steps 1 --quiet 2>&1",
                                &out),
              1)
        << out;
    EXPECT_NE(out.find("lmforge embed train: error: "), std::string::npos) << out;
    EXPECT_NE(out.find(message), std::string::npos) << out;
    EXPECT_FALSE(fs::exists(work + "/tuned"));
  }
  std::string out;
  EXPECT_EQ(test::run_command(kBin + " embed train --model " + model_dir() + " --out " + work +
                                  "/tuned --pooling max 2>&1",
                              &out),
            2)
      << out;
  EXPECT_NE(out.find("unknown pooling 'max'"), std::string::npos) << out;
}
