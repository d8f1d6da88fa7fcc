// Reward model training on the embedded preference data (align/preference_tasks.h): a tiny
// GPT-2 (2 layers, 64 wide; a 768-token byte-level BPE learnt here from the training texts,
// digits split) that starts from a RANDOMLY INITIALISED decoder (no pretrained model is at
// hand in tests) learns in 150 steps to rank held-out pairs — whose prompts never occur in
// training — with >= 0.9 pairwise accuracy over all six kinds. (Arithmetic stays near
// chance at this size: telling 32 from 33 needs the sum; the other kinds reach ~1.0.)
// The CLI trains, writes metrics, a plot and a reward model directory, and `reward score`
// prints the score the library computes for the saved model.
#include <gtest/gtest.h>

#include <chrono>
#include <cstdio>
#include <filesystem>

#include "align/preference_tasks.h"
#include "align/reward_model.h"
#include "align/reward_train.h"
#include "core/threads.h"
#include "io/atomic_file.h"
#include "models/checkpoint.h"
#include "tokenizer/trainer.h"
#include "support/oracle.h"
#include "align/preferences.h"
#include "train/metrics_log.h"

using namespace lmf;
namespace fs = std::filesystem;

namespace {

constexpr int64_t kVocab = 768;

// A small byte-level BPE learnt from the training pairs' texts.
tok::Tokenizer small_bpe(const std::vector<align::PreferencePair>& train) {
  std::vector<std::string> texts;
  for (const auto& p : train) texts.push_back(p.prompt + p.chosen + "\n" + p.prompt + p.rejected + "\n");
  tok::TrainerOptions o;
  o.vocab_size = kVocab;
  // GPT-2's pattern with every digit a piece of its own (as Llama's tokenizer splits digits).
  o.pattern = R"('s|'t|'re|'ve|'m|'ll|'d| ?\p{L}+|\p{N}| ?[^\s\p{L}\p{N}]+|\s+(?!\S)|\s+)";
  o.special_tokens = {"<|endoftext|>"};
  o.threads = 1;
  return tok::train_bpe_texts(texts, o);
}

// A randomly initialised tiny GPT-2 causal LM with tokenizer `tk`, in `dir`.
void write_tiny_lm(const std::string& dir, const tok::Tokenizer& tk, uint64_t seed) {
  ModelConfig cfg = ModelConfig::preset("tiny-gpt2");  // 128 positions, 64 wide, 2 layers, 4 heads
  cfg.vocab_size = kVocab;
  cfg.eos_token_id = kVocab - 1;
  Transformer model(cfg);
  model.init_weights(seed);
  save_model(model, dir);
  tk.save_json(dir + "/tokenizer.json");
}

}  // namespace

TEST(AlignRewardTrain, TinyModelLearnsTheEmbeddedPreferences) {
  const int threads = threads::get();
  threads::set(1);
  const std::string dir = test::temp_dir();
  align::PreferenceSplit s = align::preference_tasks(3000, 1);
  const tok::Tokenizer tk = small_bpe(s.train);
  write_tiny_lm(dir + "/lm", tk, 7);
  const auto train = align::encode_reward_pairs(s.train, tk, 128, "train");
  const auto test = align::encode_reward_pairs(s.test, tk, 128, "test");
  size_t longest = 0, total = 0;
  for (const auto& p : train) {
    longest = std::max({longest, p.chosen.size(), p.rejected.size()});
    total += p.chosen.size() + p.rejected.size();
  }
  std::printf("tokens: longest sequence %zu, mean %.1f\n", longest, double(total) / double(2 * train.size()));
  align::RewardModel m = align::RewardModel::from_causal_lm(dir + "/lm", 3);
  const align::RewardEval before = align::evaluate_reward(m, test);
  align::RewardTrainOptions opt;
  opt.batch = 16;
  opt.steps = 150;
  opt.lr = 2e-3;
  opt.seed = 5;
  const auto t0 = std::chrono::steady_clock::now();
  align::RewardTrainResult r = align::train_reward(m, train, opt);
  const double secs = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
  const align::RewardEval after = align::evaluate_reward(m, test);
  threads::set(threads);
  std::printf("before:\n%safter %lld steps (%.1f s, %.3f s/step):\n%s", align::format_reward_eval(before).c_str(),
              (long long)r.steps, secs, r.seconds_per_step, align::format_reward_eval(after).c_str());
  EXPECT_EQ(after.all.pairs, int64_t(s.test.size()));
  EXPECT_EQ(after.groups.size(), 6u);
  EXPECT_GE(after.all.accuracy, 0.9);
  EXPECT_LT(after.all.loss, before.all.loss);
  EXPECT_GT(after.all.margin, 0.0);
}

TEST(AlignRewardTrain, CliTrainsSavesAndScores) {
  const std::string dir = test::temp_dir(), bin = LMFORGE_BINARY;
  std::string out;
  auto run = [&](const std::string& cmd, std::string* o) {
    o->clear();
    return test::run_command(cmd, o);
  };
  ASSERT_EQ(run(bin + " data preferences --out " + dir + "/prefs --n 120 --seed 3 2>&1", &out), 0) << out;
  EXPECT_EQ(nlohmann::json::parse(out)["test"], 13);  // whole prompt groups: at least 12
  align::PreferenceSplit s = align::preference_tasks(120, 3);
  EXPECT_EQ(io::read_file(dir + "/prefs/test.jsonl"), align::to_jsonl(s.test));
  write_tiny_lm(dir + "/lm", small_bpe(s.train), 7);
  ASSERT_EQ(run(bin + " reward train --model " + dir + "/lm --data " + dir + "/prefs --out " + dir +
                                  "/rm --steps 4 --batch 4 --lr 1e-3 --threads 1 --json 2>/dev/null",
                              &out),
            0)
      << out;
  const nlohmann::json j = nlohmann::json::parse(out);
  EXPECT_EQ(j["steps"], 4);
  EXPECT_EQ(j["eval"]["pairs"], 13);  // test.jsonl of the --data directory
  EXPECT_GE(j["eval"]["accuracy"].get<double>(), 0.0);
  for (const char* f : {"config.json", "model.safetensors", "tokenizer.json", "metrics.jsonl", "reward.svg"})
    EXPECT_TRUE(fs::exists(dir + "/rm/" + f)) << f;
  const auto rows = train::MetricsLog::read(dir + "/rm/metrics.jsonl");
  ASSERT_EQ(rows.size(), 5u);  // 4 steps and the final evaluation
  EXPECT_TRUE(rows[0].contains("loss") && rows[0].contains("accuracy"));
  EXPECT_EQ(rows[4]["eval_accuracy"], j["eval"]["accuracy"]);
  // reward score: the library's score of the saved model, and a continued run loads it.
  ASSERT_EQ(run(bin + " reward score --model " + dir +
                                  "/rm --prompt 'What is 2 + 2?\n' --response 4 --threads 1 2>&1",
                              &out),
            0)
      << out;
  align::RewardModel m = align::RewardModel::load(dir + "/rm");
  const tok::Tokenizer tk = tok::Tokenizer::load(dir + "/rm/tokenizer.json");
  align::PreferencePair p;
  p.prompt = "What is 2 + 2?\n";
  align::PreferenceEncoder enc(tk);
  EXPECT_NEAR(nlohmann::json::parse(out)["score"].get<double>(), m.score(enc.prompt(p), enc.response(p, "4")), 1e-5);
  EXPECT_EQ(run(bin + " reward train --model " + dir + "/rm --data " + dir + "/prefs/train.jsonl --out " +
                                  dir + "/rm2 --steps 1 --batch 2 --quiet --threads 1 2>&1",
                              &out),
            0)
      << out;
  // Errors: not a reward model, a missing data file.
  EXPECT_NE(run(bin + " reward score --model " + dir + "/lm --prompt a --response b 2>&1", &out), 0);
  EXPECT_NE(out.find("architectures"), std::string::npos) << out;
  EXPECT_NE(run(bin + " reward train --model " + dir + "/lm --data " + dir + "/nope.jsonl --out " + dir +
                                  "/rm3 2>&1",
                              &out),
            0);
  EXPECT_NE(out.find("nope.jsonl"), std::string::npos) << out;
}
