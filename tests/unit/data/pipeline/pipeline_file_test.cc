// Pipeline files: the optional last "tokenize" step taken off the stages with its
// settings, and every mistake in it reported with the file's name before anything runs.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "data/pipeline/pipeline_file.h"
#include "support/oracle.h"

using namespace lmf::data::pipeline;
namespace fs = std::filesystem;

namespace {

// The message of the error take_tokenize_step throws for `pipeline`, or "" when none.
std::string error_of(const std::string& pipeline) {
  nlohmann::json j = nlohmann::json::parse(pipeline);
  try {
    take_tokenize_step(j, "p.json");
  } catch (const lmf::FormatError& e) {
    return e.what();
  }
  return "";
}

}  // namespace

TEST(PipelineFile, TakesALastTokenizeStepOffTheStages) {
  nlohmann::json j = nlohmann::json::parse(
      R"({"stages": [{"stage": "pii"}, {"stage": "tokenize", "tokenizer": "tiktoken:gpt2", "val_fraction": 0.25}]})");
  const auto step = take_tokenize_step(j, "p.json");
  ASSERT_TRUE(step.has_value());
  EXPECT_EQ(step->tokenizer, "tiktoken:gpt2");
  EXPECT_DOUBLE_EQ(step->val_fraction, 0.25);
  EXPECT_EQ(j["stages"].size(), 1u);
  EXPECT_EQ(j["stages"][0]["stage"], "pii");

  nlohmann::json defaults = nlohmann::json::parse(R"({"stages": [{"stage": "tokenize", "tokenizer": "tok.json"}]})");
  EXPECT_DOUBLE_EQ(take_tokenize_step(defaults, "p.json")->val_fraction, 0.05);
  EXPECT_TRUE(defaults["stages"].empty());

  nlohmann::json none = nlohmann::json::parse(R"({"stages": [{"stage": "pii"}, {"stage": "filter"}]})");
  EXPECT_FALSE(take_tokenize_step(none, "p.json").has_value());
  EXPECT_EQ(none["stages"].size(), 2u);
  nlohmann::json not_a_pipeline = nlohmann::json::parse(R"([1, 2])");
  EXPECT_FALSE(take_tokenize_step(not_a_pipeline, "p.json").has_value());
}

TEST(PipelineFile, TokenizeMistakesNameTheFile) {
  EXPECT_EQ(error_of(R"({"stages": [{"stage": "tokenize", "tokenizer": "t"}, {"stage": "pii"}]})"),
            "p.json: \"tokenize\" must be the last stage");
  EXPECT_EQ(error_of(R"({"stages": [{"stage": "tokenize", "tokenizer": "t"}, {"stage": "tokenize", "tokenizer": "t"}]})"),
            "p.json: \"tokenize\" must be the last stage");
  EXPECT_EQ(error_of(R"({"stages": [{"stage": "tokenize", "tokenizer": "t", "val_frac": 0.1}]})"),
            "p.json: tokenize: unknown setting \"val_frac\"");
  EXPECT_EQ(error_of(R"({"stages": [{"stage": "tokenize"}]})"),
            "p.json: tokenize: needs \"tokenizer\" (tiktoken:NAME or a tokenizer.json)");
  EXPECT_EQ(error_of(R"({"stages": [{"stage": "tokenize", "tokenizer": 3}]})"),
            "p.json: tokenize: needs \"tokenizer\" (tiktoken:NAME or a tokenizer.json)");
  EXPECT_EQ(error_of(R"({"stages": [{"stage": "tokenize", "tokenizer": "t", "val_fraction": "0.1"}]})"),
            "p.json: tokenize: \"val_fraction\" must be a number (\"0.1\")");
}

TEST(PipelineFile, RunChecksTheTokenizeStepBeforeWritingAnything) {
  const std::string dir = lmf::test::temp_dir(), out = dir + "/out";
  std::ofstream(dir + "/in.jsonl") << "{\"body\": \"some text\"}\n";
  std::ofstream(dir + "/p.json") << R"({"stages": [{"stage": "pii"}, {"stage": "tokenize", "tokenizer": "tiktoken:gpt2"}]})";
  std::ofstream(dir + "/bad.json") << R"({"stages": [{"stage": "pii"}, {"stage": "tokenize"}]})";
  RunOptions o;
  o.inputs = {dir + "/in.jsonl"};
  o.out_dir = out;
  o.progress = false;
  o.text_field = "body";  // the tokenize step reads "text"
  try {
    run_pipeline_file(dir + "/p.json", o);
    ADD_FAILURE() << "no error";
  } catch (const lmf::Error& e) {
    EXPECT_EQ(std::string(e.what()), "tokenize: needs --text-field text (the field data tokenize reads)");
  }
  EXPECT_FALSE(fs::exists(out + "/kept.jsonl"));
  o.text_field = "text";
  EXPECT_THROW(run_pipeline_file(dir + "/bad.json", o), lmf::FormatError);
  EXPECT_FALSE(fs::exists(out + "/kept.jsonl"));
}
