// --safety on the commands that generate: a prompt the filter blocks gets the refusal that
// names the category (the model is not run), an output is cut where the match begins, and
// the JSON says which rule and where. The model: the fine-tuning tests' base (greedy, so its
// reply is fixed); the blocked word is taken from its own unfiltered reply.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <regex>

#include "support/finetune_base.h"
#include "support/oracle.h"

using namespace lmf;
using nlohmann::json;

namespace {

const std::string kBin = LMFORGE_BINARY;

std::string run_ok(const std::string& cmd) {
  std::string out;
  EXPECT_EQ(test::run_command(cmd, &out), 0) << cmd << "\n" << out;
  return out;
}

const std::string kPrompt = "What is 23 + 9?";

// The first word of two or more letters in `text` that the prompt does not have, and where
// it begins.
std::pair<std::string, size_t> first_word(const std::string& text) {
  const std::regex word("[A-Za-z]{2,}");
  for (auto it = std::sregex_iterator(text.begin(), text.end(), word); it != std::sregex_iterator(); ++it)
    if (kPrompt.find(it->str()) == std::string::npos) return {it->str(), size_t(it->position())};
  return {"", 0};
}

}  // namespace

TEST(SafetyCli, ChatRefusesBlockedPromptsAndCutsBlockedReplies) {
  const std::string model = test::finetune_base().model_dir;
  const std::string dir = test::temp_dir();
  const std::string chat = "printf '" + kPrompt + "\\n' | " + kBin + " chat --model " + model + " --json --temperature 0 --max-new-tokens 24";
  const json plain = json::parse(run_ok(chat + " 2>/dev/null"));
  const std::string reply = plain["reply"];
  const auto [word, at] = first_word(reply);
  ASSERT_FALSE(word.empty()) << "the reply has no word to block: " << reply;

  std::ofstream(dir + "/rules.tsv") << "numbers\t23\nsample\t" << word << "\n";
  const json blocked = json::parse(run_ok(chat + " --safety " + dir + "/rules.tsv 2>/dev/null"));
  EXPECT_EQ(blocked["reply"], "I can't help with that: the safety filter blocked it (category: numbers).");
  EXPECT_EQ(blocked["safety"]["where"], "input");
  EXPECT_EQ(blocked["safety"]["phrase"], "23");

  std::ofstream(dir + "/out.tsv") << "sample\t" << word << "\n";
  const json cut = json::parse(run_ok(chat + " --safety " + dir + "/out.tsv 2>/dev/null"));
  EXPECT_EQ(cut["reply"], reply.substr(0, at)) << reply;
  EXPECT_EQ(cut["safety"]["where"], "output");
  EXPECT_EQ(cut["safety"]["category"], "sample");
  // Streamed to the terminal: the same cut, and a notice on stderr.
  const std::string shown = run_ok("printf '" + kPrompt + "\\n' | " + kBin + " chat --model " + model +
                                   " --temperature 0 --max-new-tokens 24 --safety " + dir + "/out.tsv 2>&1");
  EXPECT_EQ(shown.substr(0, at), reply.substr(0, at));
  EXPECT_NE(shown.find("[cut by the safety filter: sample"), std::string::npos) << shown;
  EXPECT_EQ(shown.find(reply.substr(at)), std::string::npos) << shown;  // nothing from the word on
}

TEST(SafetyCli, GenerateRefusesBlockedPromptsAndCutsBlockedReplies) {
  const std::string model = test::finetune_base().model_dir;
  const std::string dir = test::temp_dir();
  const std::string gen = kBin + " generate --model " + model + " --chat --prompt '" + kPrompt + "' --temperature 0 --max-new-tokens 24";
  const std::string reply = json::parse(run_ok(gen + " --json 2>/dev/null"))["reply"];
  const auto [word, at] = first_word(reply);
  ASSERT_FALSE(word.empty()) << "the reply has no word to block: " << reply;

  std::ofstream(dir + "/in.tsv") << "numbers\t9\n";
  const json refused = json::parse(run_ok(gen + " --json --safety " + dir + "/in.tsv 2>/dev/null"));
  EXPECT_EQ(refused["reply"], "I can't help with that: the safety filter blocked it (category: numbers).");
  EXPECT_EQ(refused["safety"]["where"], "input");

  std::ofstream(dir + "/out.tsv") << "sample\t" << word << "\n";
  const json cut = json::parse(run_ok(gen + " --json --safety " + dir + "/out.tsv 2>/dev/null"));
  EXPECT_EQ(cut["reply"], reply.substr(0, at)) << reply;
  EXPECT_EQ(cut["safety"]["where"], "output");
  EXPECT_EQ(run_ok(gen + " --safety " + dir + "/out.tsv 2>/dev/null"), reply.substr(0, at) + "\n");  // streamed
  // --samples: every reply is cut.
  const json voted = json::parse(run_ok(gen + " --samples 2 --json --safety " + dir + "/out.tsv 2>/dev/null"));
  for (const json& r : voted["replies"]) EXPECT_EQ(r["reply"], reply.substr(0, at));
  std::string out;
  EXPECT_NE(test::run_command(gen + " --ids --safety default 2>&1", &out), 0);
  EXPECT_NE(out.find("--safety checks text"), std::string::npos) << out;
}
