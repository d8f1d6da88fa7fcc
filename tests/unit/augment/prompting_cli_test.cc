// Few-shot, chain-of-thought and self-consistency flags of `generate`, `chat` and `eval
// --instructions`: each gives the model exactly the documented prompt (checked by greedy
// generation from the prompt written out by tests/reference/fewshot.py or by hand), and
// --samples N votes as Counter.most_common does on the replies' last regex matches.
#include <gtest/gtest.h>

#include <fstream>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>

#include "support/oracle.h"
#include "support/scaled_model.h"

namespace lmf::augment {
namespace {

using nlohmann::json;
const std::string kBin = LMFORGE_BINARY;

std::string sh(const std::string& s) {
  std::string q = "'";
  for (char c : s) q += c == '\'' ? std::string("'\\''") : std::string(1, c);
  return q + "'";
}
json run_json(const std::string& args) {
  std::string out;
  const int rc = test::run_command(kBin + " " + args + " 2>/dev/null", &out);
  EXPECT_EQ(rc, 0) << args;
  return rc == 0 ? json::parse(out) : json();
}

struct Fixture {
  std::string dir, model, pool;
  Fixture() {
    dir = test::temp_dir();
    model = dir + "/m";
    const tok::Tokenizer tk = test::chatml_test_tokenizer();
    test::write_scaled_model(model, {.arch = Arch::Llama, .vocab = tk.vocab_size(), .width = 64, .layers = 2, .heads = 4,
                                     .kv_heads = 2, .inner = 128, .positions = 512, .seed = 9, .scale = 2.f},
                             tk);
    pool = dir + "/pool.jsonl";
    std::ofstream p(pool);
    for (int i = 0; i < 12; ++i) p << json{{"input", "Q: " + std::to_string(i) + " + 1 =\nA:"}, {"output", std::to_string(i + 1)}}.dump() << "\n";
  }
  // The reference's few-shot prompt for `query`.
  std::string reference_prompt(const std::string& query, int k, const std::string& select, uint64_t seed) const {
    json pool_json = json::array();
    std::ifstream in(pool);
    for (std::string line; std::getline(in, line);) pool_json.push_back(json::parse(line));
    std::ofstream(dir + "/spec.json") << json{{"pool", pool_json},
                                              {"cases", {{{"query", query}, {"k", k}, {"select", select}, {"seed", seed}}}}}
                                             .dump();
    std::string out;
    EXPECT_EQ(test::run_command("cd " + test::source_path("tests/reference") + " && /usr/bin/python3 fewshot.py " + dir + "/spec.json", &out), 0);
    return json::parse(out)["prompts"][0];
  }
};

TEST(PromptingCli, FewshotAndCotPromptsAreTheDocumentedOnes) {
  const Fixture f;
  const std::string q = "Q: 20 + 1 =\nA:";
  const std::string common = "generate --model " + f.model + " --temperature 0 --max-new-tokens 8 --json ";
  for (const char* select : {"random", "similar"}) {
    const json got = run_json(common + "--num-fewshot 3 --fewshot-pool " + f.pool + " --fewshot-select " + select +
                              " --seed 7 --prompt " + sh(q));
    const json want = run_json(common + "--prompt " + sh(f.reference_prompt(q, 3, select, 7)));
    EXPECT_EQ(got["reply"], want["reply"]) << select;
  }
  const json cot = run_json(common + "--chat --cot --cot-cue 'Think first.' --prompt " + sh(q));
  EXPECT_EQ(cot["reply"], run_json(common + "--chat --prompt " + sh(q + "\nThink first."))["reply"]);
  const json both = run_json(common + "--cot --num-fewshot 2 --fewshot-pool " + f.pool + " --seed 3 --prompt " + sh(q));
  EXPECT_EQ(both["reply"], run_json(common + "--prompt " + sh(f.reference_prompt(q, 2, "random", 3) + "\nLet's think step by step."))["reply"]);

  // eval --instructions: the same prompt in the chat template; the question shown is the one asked.
  std::ofstream(f.dir + "/held_out.jsonl") << json{{"instruction", q}, {"output", "21"}}.dump() << "\n";
  const json ev = run_json("eval --model " + f.model + " --instructions " + f.dir + "/held_out.jsonl --max-new-tokens 8 --show 1 --json "
                           "--num-fewshot 3 --fewshot-pool " + f.pool + " --seed 5");
  const json chat = run_json(common + "--chat --prompt " + sh(f.reference_prompt(q, 3, "random", 5)));
  ASSERT_EQ(ev["samples"].size(), 1u) << ev.dump();
  EXPECT_EQ(ev["samples"][0]["reply"], chat["reply"]);
  EXPECT_EQ(ev["samples"][0]["question"], q);
}

TEST(PromptingCli, SamplesVoteByMajority) {
  const Fixture f;
  const std::string common = "generate --model " + f.model + " --temperature 1.5 --max-new-tokens 6 --json --prompt 'Q: 3 + 1 =' ";
  const std::string regex = "[a-z]";
  const std::regex re(regex);
  const json voted = run_json(common + "--samples 6 --seed 11 --answer-regex " + sh(regex));
  ASSERT_EQ(voted["replies"].size(), 6u);
  std::vector<std::pair<std::string, int>> counts;  // first seen first, as collections.Counter
  int valid = 0;
  for (int i = 0; i < 6; ++i) {
    const std::string reply = run_json(common + "--seed " + std::to_string(11 + i))["reply"];
    EXPECT_EQ(voted["replies"][i]["reply"], reply) << "sample " << i;
    std::string last;
    for (std::sregex_iterator it(reply.begin(), reply.end(), re), end; it != end; ++it) last = it->str();
    EXPECT_EQ(voted["replies"][i]["answer"], last) << "sample " << i;
    if (last.empty()) continue;
    ++valid;
    auto c = std::find_if(counts.begin(), counts.end(), [&](const auto& x) { return x.first == last; });
    if (c == counts.end()) counts.push_back({last, 1});
    else ++c->second;
  }
  std::stable_sort(counts.begin(), counts.end(), [](const auto& a, const auto& b) { return a.second > b.second; });
  ASSERT_FALSE(counts.empty());
  EXPECT_EQ(voted["answer"], counts[0].first);
  EXPECT_EQ(voted["votes"], counts[0].second);
  EXPECT_EQ(voted["valid"], valid);
  EXPECT_DOUBLE_EQ(voted["share"].get<double>(), counts[0].second / 6.0);
}

TEST(PromptingCli, BadFlagsAreClearErrors) {
  const Fixture f;
  std::string out;
  EXPECT_EQ(test::run_command(kBin + " generate --model " + f.model + " --num-fewshot 2 --prompt x 2>&1", &out), 1);
  EXPECT_NE(out.find("--fewshot-pool"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(kBin + " generate --model " + f.model + " --num-fewshot 40 --fewshot-pool " + f.pool + " --prompt x 2>&1", &out), 1);
  EXPECT_NE(out.find("40 few-shot examples asked of a pool of 12"), std::string::npos) << out;
  EXPECT_EQ(test::run_command(kBin + " generate --model " + f.model + " --fewshot-select best --prompt x 2>&1", &out), 2);
  EXPECT_EQ(test::run_command(kBin + " generate --model " + f.model + " --samples 3 --answer-regex '(' --prompt x 2>&1", &out), 1);
  EXPECT_NE(out.find("--answer-regex"), std::string::npos) << out;
}

}  // namespace
}  // namespace lmf::augment
