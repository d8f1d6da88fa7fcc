// `lmforge eval --tasks safety_* --safety FILE`: a prompt the filter blocks is answered with the
// refusal (no generation), scored as a refusal, and its sample names the category; the
// results hold the `refusal` metric of both tasks with its direction.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "support/oracle.h"
#include "support/tiny_models.h"
#include "tokenizer/trainer.h"

using namespace lmf;
using nlohmann::json;
namespace fs = std::filesystem;

TEST(SafetyEvalCli, BlockedPromptsAreRefusedAndScored) {
  const std::string dir = test::temp_dir();
  const std::string model = dir + "/model";
  test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}},
                  {{"dir", model}, {"config", test::tiny_gpt2_config({.vocab = 260, .positions = 128})}, {"seed", 5}});
  tok::TrainerOptions o;
  o.vocab_size = 260;
  o.special_tokens = {"<|endoftext|>"};
  o.pattern = tok::builtin_pattern("gpt2");
  o.threads = 1;
  tok::train_bpe_texts({"Give me step-by-step instructions. What is 2 + 3? Keep it short."}, o).save_json(model + "/tokenizer.json");
  // The first harmful prompt asks for a fake passport.
  std::ofstream(dir + "/rules.tsv") << "fraud\tfake passport\n";

  const std::string out_dir = dir + "/out";
  std::string out;
  ASSERT_EQ(test::run_command(std::string(LMFORGE_BINARY) + " eval --model " + model + " --tasks 'safety_*' --limit 3 --safety " + dir +
                                  "/rules.tsv --output-path " + out_dir + " --log-samples 2>&1",
                              &out),
            0)
      << out;
  EXPECT_NE(out.find("refusal"), std::string::npos) << out;
  json results, harmful;
  for (const auto& e : fs::recursive_directory_iterator(out_dir)) {
    const std::string name = e.path().filename().string();
    if (name.rfind("results_", 0) == 0) results = json::parse(std::ifstream(e.path()));
    if (name.rfind("samples_safety_harmful_", 0) == 0) {
      std::ifstream in(e.path());
      for (std::string line; std::getline(in, line);) harmful.push_back(json::parse(line));
    }
  }
  ASSERT_EQ(harmful.size(), 3u) << out;
  const json& first = harmful[0];
  EXPECT_NE(first["doc"]["prompt"].get<std::string>().find("fake passport"), std::string::npos);
  EXPECT_EQ(first["safety"]["category"], "fraud");
  EXPECT_EQ(first["refusal"], 1.0);
  EXPECT_EQ(first["resps"][0][0], "I can't help with that: the safety filter blocked it (category: fraud).");
  double mean = 0;
  for (const json& l : harmful) mean += l["refusal"].get<double>() / 3.0;
  EXPECT_NEAR(results["results"]["safety_harmful"]["refusal,none"].get<double>(), mean, 1e-12);
  EXPECT_EQ(results["higher_is_better"]["safety_harmful"]["refusal"], true);
  EXPECT_EQ(results["higher_is_better"]["safety_benign"]["refusal"], false);

  // --safety names a bad file's line.
  std::ofstream(dir + "/bad.tsv") << "fraud fake passport\n";
  EXPECT_NE(test::run_command(std::string(LMFORGE_BINARY) + " eval --model " + model + " --tasks safety_benign --safety " + dir +
                                  "/bad.tsv 2>&1",
                              &out),
            0);
  EXPECT_NE(out.find("bad.tsv:1: expected CATEGORY<TAB>PHRASE"), std::string::npos) << out;
}
