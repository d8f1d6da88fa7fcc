// lmforge align --method ppo on the alignment fixture: a short full-weight run and a LoRA
// run write what the command promises (the model or the adapter, value_head.safetensors
// that loads for the model's width, metrics.jsonl with a row per iteration and TRL's names,
// ppo.svg) and print a JSON summary; a reward it cannot use and a missing --prompts are
// clear errors.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "align/value_head.h"
#include "support/align_fixture.h"
#include "support/oracle.h"
#include "train/metrics_log.h"

using namespace lmf;
namespace fs = std::filesystem;

namespace {

std::string write_prompts(const std::string& dir) {
  const std::string p = dir + "/prompts.jsonl";
  std::ofstream f(p);
  for (size_t i = 0; i < 40; ++i) f << nlohmann::json{{"prompt", test::align_fixture().train[i].prompt}}.dump() << "\n";
  return p;
}

}  // namespace

TEST(PpoCli, WritesPolicyValueHeadMetricsAndPlot) {
  const std::string dir = test::temp_dir(), model = test::align_fixture().model_dir, prompts = write_prompts(dir);
  for (const std::string mode : {"full", "lora"}) {
    SCOPED_TRACE(mode);
    const std::string out = dir + "/out-" + mode;
    std::string stdout_text;
    const int rc = test::run_command(std::string(LMFORGE_BINARY) + " align --method ppo --model " + model + " --prompts " +
                                         prompts + " --reward judge:arith --out " + out +
                                         " --steps 3 --batch 8 --minibatch 4 --max-new 4 --stop ';' --threads 1 --quiet" +
                                         (mode == "lora" ? " --lora" : "") + " 2>&1",
                                     &stdout_text);
    ASSERT_EQ(rc, 0) << stdout_text;
    const nlohmann::json j = nlohmann::json::parse(stdout_text);
    EXPECT_EQ(j["method"], "ppo");
    EXPECT_EQ(j["iterations"], 3);
    EXPECT_TRUE(fs::exists(out + (mode == "lora" ? "/adapter_model.safetensors" : "/model.safetensors")));
    EXPECT_NO_THROW(align::ValueHead::load(out + "/value_head.safetensors", 64));
    EXPECT_THROW(align::ValueHead::load(out + "/value_head.safetensors", 32), FormatError);
    const std::vector<nlohmann::json> rows = train::MetricsLog::read(out + "/metrics.jsonl");
    ASSERT_EQ(rows.size(), 3u);
    for (const char* k : {"env/reward_mean", "objective/kl", "objective/kl_coef", "objective/entropy", "ppo/loss/policy",
                          "ppo/loss/value", "ppo/policy/clipfrac"})
      EXPECT_TRUE(rows.back().contains(k)) << k;
    EXPECT_EQ(rows[0]["objective/kl"].get<double>(), 0.0);  // the first rollout is the reference's own
    EXPECT_TRUE(fs::exists(out + "/ppo.svg"));
  }
}

TEST(PpoCli, BadRewardAndMissingPromptsAreErrors) {
  const std::string dir = test::temp_dir(), model = test::align_fixture().model_dir, prompts = write_prompts(dir);
  std::string text;
  EXPECT_NE(test::run_command(std::string(LMFORGE_BINARY) + " align --method ppo --model " + model + " --prompts " +
                                  prompts + " --reward /nonexistent --out " + dir + "/o 2>&1",
                              &text),
            0);
  EXPECT_NE(text.find("--reward /nonexistent"), std::string::npos) << text;
  EXPECT_NE(test::run_command(std::string(LMFORGE_BINARY) + " align --method ppo --model " + model +
                                  " --reward judge:arith --out " + dir + "/o 2>&1",
                              &text),
            0);
  EXPECT_NE(text.find("--prompts"), std::string::npos) << text;
}
