// The bias probes (tasks/bias_gender_*, eval/bias_report.h):
// - their scores and the "bias" section equal tests/reference/bias.py, computed from the
//   samples file's log-likelihoods by crows_pairs' definition;
// - the probe can fail: a tiny byte-level Llama trained on gender-balanced sentences (every
//   probe sentence and its counterpart with the other gender's name, equally often), then
//   fine-tuned on the stereotyped ones alone, scores measurably more stereotyped than its
//   base — and the base, which has no reason to prefer either, scores near 0.5.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/threads.h"
#include "eval/bias_report.h"
#include "eval/harness.h"
#include "finetune/sft.h"
#include "models/checkpoint.h"
#include "support/byte_tokenizer.h"
#include "support/cached_dir.h"
#include "support/oracle.h"

using namespace lmf;
using nlohmann::json;
namespace fs = std::filesystem;

namespace {

const std::vector<std::string> kTasks = {"bias_gender_occupation", "bias_gender_adjective"};
constexpr int64_t kBaseSteps = 300, kTuneSteps = 200;

// The probes' sentence pairs: (sent_more, sent_less).
std::vector<std::pair<std::string, std::string>> probe_pairs() {
  std::vector<std::pair<std::string, std::string>> out;
  for (const std::string& task : kTasks) {
    std::ifstream in(test::source_path("tasks/" + task + "/test.jsonl"));
    for (std::string line; std::getline(in, line);) {
      const json d = json::parse(line);
      out.push_back({d["sent_more"], d["sent_less"]});
    }
  }
  return out;
}

// A sentence as token ids after the end-of-text token (the probes' prefix token).
EncodedChat encode(const std::string& s) {
  EncodedChat e;
  e.ids.push_back(256);
  for (unsigned char c : s) e.ids.push_back(c);
  e.trained.assign(e.ids.size(), 1);
  e.trained[0] = 0;
  return e;
}

// The base learns every sentence of the probes and its counterpart equally often (no
// preference between the two names); the fine-tune then sees only the stereotyped ones.
std::pair<std::string, std::string> models() {
  const auto pairs = probe_pairs();
  std::vector<EncodedChat> balanced, stereotyped;
  for (const auto& [more, less] : pairs) {
    balanced.push_back(encode(more));
    balanced.push_back(encode(less));
    stereotyped.push_back(encode(more));
  }
  const std::string base = test::cached_dir("lmforge-bias-base", {{"steps", kBaseSteps}}, "model.safetensors", [&](const std::string& tmp) {
    ModelConfig cfg = ModelConfig::preset("tiny-llama");
    cfg.vocab_size = 259;
    Transformer m(cfg);
    m.init_weights(11);
    ft::train_sft(m, nullptr, balanced, {.batch = 32, .max_len = 64, .steps = kBaseSteps, .lr = 3e-3, .quiet = true});
    save_model(m, tmp);
    test::byte_tokenizer(true).save_json(tmp + "/tokenizer.json");
  });
  const std::string tuned = test::cached_dir(
      "lmforge-bias-stereotyped", {{"steps", kBaseSteps}, {"tuned", kTuneSteps}}, "model.safetensors", [&](const std::string& tmp) {
        Transformer m = load_model(base);
        ft::train_sft(m, nullptr, stereotyped, {.batch = 32, .max_len = 64, .steps = kTuneSteps, .lr = 3e-3, .quiet = true});
        save_model(m, tmp);
        test::byte_tokenizer(true).save_json(tmp + "/tokenizer.json");
      });
  return {base, tuned};
}

eval::TasksReport probe(const std::string& model, const std::string& out) {
  eval::TasksOptions o;
  o.model_dir = model;
  o.tasks = {"bias_*"};
  o.tasks_dir = test::source_path("tasks");
  o.output_path = out;
  o.log_samples = true;
  return eval::run_tasks(o);
}

}  // namespace

TEST(BiasProbe, ScoresEqualTheReferenceAndFineTuningOnStereotypesRaisesThem) {
  const auto [base_dir, tuned_dir] = models();
  const std::string dir = test::temp_dir();
  threads::set(1);  // a model this small scores fastest on one thread
  const eval::TasksReport base = probe(base_dir, dir + "/base");
  const eval::TasksReport tuned = probe(tuned_dir, dir + "/tuned");
  ASSERT_TRUE(tuned.results.contains("bias"));

  for (const std::string& task : kTasks) {
    const auto& b = base.results["bias"][task];
    const auto& t = tuned.results["bias"][task];
    // The results' metrics are the bias section's (one computation, two places).
    EXPECT_DOUBLE_EQ(tuned.results["results"][task]["pct_stereotype,none"].get<double>(), t["pct_stereotype"].get<double>());
    EXPECT_DOUBLE_EQ(tuned.results["results"][task]["likelihood_difference,none"].get<double>(),
                     t["likelihood_difference"].get<double>());
    std::printf("%s: base pct_stereotype %.3f mean difference %+.3f; stereotyped fine-tune %.3f %+.3f\n", task.c_str(),
                b["pct_stereotype"].get<double>(), b["mean_difference"].get<double>(), t["pct_stereotype"].get<double>(),
                t["mean_difference"].get<double>());
    std::printf("%s", eval::bias_text(task, t).c_str());
    EXPECT_NEAR(b["pct_stereotype"].get<double>(), 0.5, 0.1) << task;  // the base has no preference
    // Measurably more stereotyped: the intervals of the mean difference do not overlap and
    // the share of stereotyped choices rises by at least 0.15.
    EXPECT_GT(t["mean_difference_ci95"][0].get<double>(), b["mean_difference_ci95"][1].get<double>()) << task;
    EXPECT_GT(t["pct_stereotype"].get<double>(), b["pct_stereotype"].get<double>() + 0.15) << task;
  }

  // The reference, from the samples' log-likelihoods.
  for (const std::string& task : kTasks) {
    std::string samples;
    for (const auto& f : tuned.samples_files)
      if (f.find("samples_" + task + "_") != std::string::npos) samples = f;
    ASSERT_FALSE(samples.empty()) << task;
    std::string out;
    ASSERT_EQ(test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/bias.py") + " '" + samples + "'", &out), 0)
        << out;
    const json want = json::parse(out);
    const json& got = tuned.results["bias"][task];
    const json& res = tuned.results["results"][task];
    EXPECT_EQ(got["pairs"].get<int64_t>(), want["pairs"].get<int64_t>());
    for (const char* m : {"pct_stereotype", "likelihood_difference", "mean_difference"}) {
      EXPECT_NEAR(got[m].get<double>(), want[m].get<double>(), 1e-12) << task << " " << m;
      for (int i = 0; i < 2; ++i)
        EXPECT_NEAR(got[std::string(m) + "_ci95"][i].get<double>(), want[std::string(m) + "_ci95"][i].get<double>(), 1e-12) << m;
    }
    EXPECT_NEAR(res["pct_stereotype_stderr,none"].get<double>(), want["pct_stereotype_stderr"].get<double>(), 1e-12);
    EXPECT_NEAR(res["likelihood_difference_stderr,none"].get<double>(), want["likelihood_difference_stderr"].get<double>(), 1e-12);
    ASSERT_EQ(got["top_pairs"].size(), want["top_pairs"].size());
    for (size_t i = 0; i < want["top_pairs"].size(); ++i) EXPECT_EQ(got["top_pairs"][i]["doc_id"].get<int64_t>(), want["top_pairs"][i].get<int64_t>()) << i;
    for (const auto& row : got["by_word"]) {
      const json& w = want["by_word"][row["word"].get<std::string>()];
      EXPECT_EQ(row["pairs"].get<int64_t>(), w["pairs"].get<int64_t>());
      EXPECT_NEAR(row["pct_stereotype"].get<double>(), w["pct_stereotype"].get<double>(), 1e-12);
      EXPECT_NEAR(row["mean_difference"].get<double>(), w["mean_difference"].get<double>(), 1e-12);
    }
  }
}

TEST(BiasProbe, PairMetricsNeedTwoChoices) {
  std::vector<eval::PairScores> pairs = {{-1.0, -2.0}};
  const nlohmann::ordered_json doc = {{"sent_more", "a"}, {"sent_less", "b"}, {"word", "w"}};
  const auto s = eval::bias_summary(pairs, {&doc}, {0});
  EXPECT_EQ(s["pct_stereotype"].get<double>(), 1.0);
  EXPECT_TRUE(s["pct_stereotype_ci95"][0].is_null());  // one pair: no interval
  EXPECT_THROW(eval::bias_summary(pairs, {}, {}), Error);
}
