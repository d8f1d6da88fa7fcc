// lmforge align --method ppo on the alignment fixture: a short full-weight run and a LoRA
// run write what the command promises (the model or the adapter, value_head.safetensors
// that loads for the model's width, metrics.jsonl with a row per iteration and TRL's names,
// ppo.svg, the before/after report) and print a JSON summary; a reward model trained by
// `lmforge reward train` serves as the reward; a reward it cannot use, prompts the judge
// cannot score and a missing --prompts are clear errors.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "align/preference_tasks.h"
#include "align/value_head.h"
#include "io/atomic_file.h"
#include "support/align_fixture.h"
#include "support/oracle.h"
#include "train/metrics_log.h"

using namespace lmf;
namespace fs = std::filesystem;

namespace {

std::string write_prompts(const std::string& dir, const std::vector<align::PreferencePair>& pairs, size_t n,
                          const std::string& name = "prompts.jsonl") {
  const std::string p = dir + "/" + name;
  std::ofstream f(p);
  for (size_t i = 0; i < std::min(n, pairs.size()); ++i) f << nlohmann::json{{"prompt", pairs[i].prompt}}.dump() << "\n";
  return p;
}

std::string write_prompts(const std::string& dir) { return write_prompts(dir, test::align_fixture().train, 40); }

}  // namespace

TEST(PpoCli, WritesPolicyValueHeadMetricsAndPlot) {
  const std::string dir = test::temp_dir(), model = test::align_fixture().model_dir, prompts = write_prompts(dir);
  const std::string held_out = write_prompts(dir, test::align_fixture().test, 12, "held_out.jsonl");
  for (const std::string mode : {"full", "lora"}) {
    SCOPED_TRACE(mode);
    const std::string out = dir + "/out-" + mode;
    std::string stdout_text;
    const int rc = test::run_command(std::string(LMFORGE_BINARY) + " align --method ppo --model " + model + " --prompts " +
                                         prompts + " --reward judge --out " + out +
                                         " --steps 3 --batch 8 --minibatch 4 --max-new-tokens 4 --stop ';' --threads 1 --quiet" +
                                         " --eval-prompts " + held_out + " --report-max-new-tokens 4" +
                                         (mode == "lora" ? " --lora" : "") + " 2>/dev/null",
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
    // The report: 12 held-out sums, all judged; a few iterations leave the model close to where it started.
    EXPECT_EQ(j["report"]["prompts"], 12);
    EXPECT_EQ(j["report"]["judged_prompts"], 12);
    EXPECT_NEAR(j["report"]["before"]["judged_good"].get<double>(), j["report"]["after"]["judged_good"].get<double>(), 0.5);
    EXPECT_EQ(nlohmann::json::parse(io::read_file(out + "/report.json")), j["report"]);
  }
}

TEST(PpoCli, RewardModelFromRewardTrainIsTheReward) {
  const std::string dir = test::temp_dir(), model = test::align_fixture().model_dir, prompts = write_prompts(dir);
  const std::string prefs = dir + "/prefs.jsonl", rm = dir + "/rm", out = dir + "/out";
  {
    std::ofstream f(prefs);
    f << align::to_jsonl(test::align_fixture().train);
  }
  std::string text;
  ASSERT_EQ(test::run_command(std::string(LMFORGE_BINARY) + " reward train --model " + model + " --data " + prefs +
                                  " --out " + rm + " --steps 5 --batch 8 --threads 1 --quiet 2>&1",
                              &text),
            0)
      << text;
  ASSERT_EQ(test::run_command(std::string(LMFORGE_BINARY) + " align --method ppo --model " + model + " --prompts " +
                                  prompts + " --reward " + rm + " --out " + out +
                                  " --steps 2 --batch 8 --minibatch 8 --max-new 4 --threads 1 --quiet --no-report 2>/dev/null",
                              &text),
            0)
      << text;
  const std::vector<nlohmann::json> rows = train::MetricsLog::read(out + "/metrics.jsonl");
  ASSERT_EQ(rows.size(), 2u);
  // Reward-model scores are real numbers, not the judge's 0/1.
  const double r = rows[0]["env/reward_mean"].get<double>();
  EXPECT_TRUE(std::isfinite(r));
  EXPECT_FALSE(nlohmann::json::parse(text).contains("report"));
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
                                  " --reward judge --out " + dir + "/o 2>&1",
                              &text),
            0);
  EXPECT_NE(text.find("--prompts"), std::string::npos) << text;
  {
    std::ofstream f(dir + "/odd.jsonl");
    f << "{\"prompt\": \"3+4=\"}\n{\"prompt\": \"Tell me a story.\"}\n";
  }
  EXPECT_NE(test::run_command(std::string(LMFORGE_BINARY) + " align --method ppo --model " + model + " --prompts " + dir +
                                  "/odd.jsonl --reward judge --out " + dir + "/o 2>&1",
                              &text),
            0);
  EXPECT_NE(text.find("odd.jsonl:2"), std::string::npos) << text;
}
