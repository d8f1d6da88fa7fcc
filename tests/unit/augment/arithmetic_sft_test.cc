// `lmforge data tool-sft` / `data cot-sft` and their library (augment/arithmetic_problems.h,
// tool_sft.h, cot_sft.h): results agree with the exact calculator; training and held-out
// problems never overlap, for any pair of seeds; a tool conversation is exactly what the
// tool loop builds from the same calls; the worked steps are right digit by digit; the
// files are what finetune reads, with the loss on assistant messages only (tool calls
// included, tool results not); the same seed gives the same bytes; bad flags fail.
#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>
#include <set>
#include <sstream>

#include "augment/cot_sft.h"
#include "augment/tool_sft.h"
#include "core/random.h"
#include "finetune/instruction_data.h"
#include "io/atomic_file.h"
#include "support/byte_tokenizer.h"
#include "support/oracle.h"
#include "tools/calculator.h"
#include "tools/tool_loop.h"
#include "tools/tool_registry.h"

using namespace lmf;
using namespace lmf::augment;
using nlohmann::json;

namespace {

const std::string kBin = LMFORGE_BINARY;

std::set<std::string> expressions(const std::vector<ArithmeticProblem>& ps) {
  std::set<std::string> s;
  for (const ArithmeticProblem& p : ps) s.insert(p.expression());
  return s;
}

}  // namespace

TEST(ArithmeticProblems, ExactResultsDigitsAndSplit) {
  const tools::ToolRegistry calc = tools::ToolRegistry::from_specs({"calculator"});
  ProblemOptions o;  // 4 to 8 digits, + - *
  const std::vector<ArithmeticProblem> train = draw_problems(3000, false, o, 7);
  const std::vector<ArithmeticProblem> test = draw_problems(300, true, o, 8);
  EXPECT_EQ(expressions(train).size(), train.size());
  std::map<char, int> ops;
  std::set<size_t> lengths;
  for (const auto* ps : {&train, &test})
    for (const ArithmeticProblem& p : *ps) {
      ASSERT_EQ(calc.run("calculator", {{"expression", p.expression()}}).result, p.result) << p.expression();
      for (uint64_t v : {p.a, p.b}) {
        lengths.insert(std::to_string(v).size());
        EXPECT_GE(v, 1000u);
        EXPECT_LT(v, 100000000u);
      }
      ops[p.op]++;
    }
  EXPECT_EQ(lengths, (std::set<size_t>{4, 5, 6, 7, 8}));
  EXPECT_EQ(ops.size(), 3u);
  for (const ArithmeticProblem& p : train) EXPECT_FALSE(p.held_out());
  for (const ArithmeticProblem& p : test) EXPECT_TRUE(p.held_out());
  // About one problem in ten is held out.
  SplitMix64 rng{5};
  int held = 0;
  for (int i = 0; i < 5000; ++i) held += make_problem(1000 + rng.below(9000), '+', 1000 + rng.below(9000)).held_out();
  EXPECT_GT(held, 400);
  EXPECT_LT(held, 600);
  // 18-digit operands: results past 64 bits stay exact.
  EXPECT_EQ(make_problem(999999999999999999ull, '*', 999999999999999999ull).result, "999999999999999998000000000000000001");
  EXPECT_EQ(make_problem(12, '-', 3456).result, "-3444");
}

TEST(ArithmeticProblems, HeldOutNeverInTrainingWhateverTheSeeds) {
  std::set<std::string> train, test;
  for (uint64_t seed : {1, 2, 3}) {
    const ToolSftOptions o{.train = 2000, .test = 200, .problems = {1, 2, "+-*"}, .seed = seed};
    const ArithmeticSftData d = make_tool_sft(o);
    for (const auto& e : expressions(d.train)) train.insert(e);
    for (const auto& e : expressions(d.test)) test.insert(e);
  }
  ASSERT_GT(test.size(), 150u);
  for (const std::string& e : test) EXPECT_EQ(train.count(e), 0u) << e;
  // Small ranges that cannot give enough distinct problems are an error, not a loop.
  EXPECT_THROW(draw_problems(100, true, {1, 1, "+"}, 1), Error);
  EXPECT_THROW(check_problem_options({0, 3, "+"}), Error);
  EXPECT_THROW(check_problem_options({3, 2, "+"}), Error);
  EXPECT_THROW(check_problem_options({1, 3, "/"}), Error);
}

TEST(ToolSft, ConversationIsWhatTheToolLoopBuilds) {
  const ArithmeticProblem p = make_problem(48213, '*', 905);
  const Conversation c = tool_sft_conversation(p, 0);
  ASSERT_EQ(c.size(), 5u);
  EXPECT_EQ(c[1].content, "What is 48213 * 905?");
  EXPECT_EQ(c[2].content, R"(<tool_call>{"name":"calculator","arguments":{"expression":"48213 * 905"}}</tool_call>)");
  EXPECT_EQ(c[3].role, "tool");
  EXPECT_EQ(c[3].content, R"(<tool_response>{"result":"43632765"}</tool_response>)");
  EXPECT_EQ(c[4].content, "48213 * 905 = 43632765");
  // The loop, given the same two replies, builds the same conversation.
  const tools::ToolRegistry calc = tools::ToolRegistry::from_specs({"calculator"});
  Conversation conv(c.begin(), c.begin() + 2);
  int asked = 0;
  const tools::ToolLoopResult r = tools::run_tool_loop(
      calc, conv, [&](const Conversation&) { return c[++asked == 1 ? 2 : 4].content; }, 4);
  EXPECT_EQ(r.finish_reason, "stop");
  ASSERT_EQ(conv.size(), c.size());
  for (size_t i = 0; i < c.size(); ++i) {
    EXPECT_EQ(conv[i].role, c[i].role);
    EXPECT_EQ(conv[i].content, c[i].content);
  }
}

TEST(ToolSft, LinesAreFinetuneDataWithLossOnAssistantOnly) {
  const ArithmeticProblem p = make_problem(1234, '+', 4321);
  const Conversation c = ft::parse_instruction(tool_sft_json(p, 1), "x");
  ASSERT_EQ(c.size(), 5u);
  EXPECT_EQ(c[1].content, "Calculate 1234 + 4321.");
  const tok::Tokenizer tk = test::byte_tokenizer(true);
  const EncodedChat e = ChatTemplate(tk).encode(c);
  std::string trained;
  for (size_t i = 0; i < e.ids.size(); ++i)
    if (e.trained[i]) trained += e.ids[i] < 256 ? std::string(1, char(e.ids[i])) : "|";
  EXPECT_EQ(trained, c[2].content + "|" + c[4].content + "|");
}

TEST(CotSft, WorkedSolutions) {
  EXPECT_EQ(worked_solution(make_problem(4567, '+', 891)),
            "Add the digits from right to left, carrying:\n"
            "7 + 1 + 0 = 8, write 8, carry 0\n"
            "6 + 9 + 0 = 15, write 5, carry 1\n"
            "5 + 8 + 1 = 14, write 4, carry 1\n"
            "4 + 0 + 1 = 5, write 5, carry 0\n"
            "The answer is 5458.");
  EXPECT_EQ(worked_solution(make_problem(95, '+', 7)),
            "Add the digits from right to left, carrying:\n"
            "5 + 7 + 0 = 12, write 2, carry 1\n"
            "9 + 0 + 1 = 10, write 0, carry 1\n"
            "write the carry 1\n"
            "The answer is 102.");
  EXPECT_EQ(worked_solution(make_problem(4567, '*', 23)),
            "Multiply 4567 by each digit of 23, from the right:\n"
            "4567 * 3 = 13701\n"
            "4567 * 2 = 9134, shifted 1 place: 91340\n"
            "Add the partial products:\n"
            "13701 + 91340 = 105041\n"
            "The answer is 105041.");
  EXPECT_EQ(worked_solution(make_problem(12, '*', 7)), "Multiply 12 by each digit of 7, from the right:\n12 * 7 = 84\nThe answer is 84.");
  EXPECT_THROW(worked_solution(make_problem(5, '-', 3)), Error);
  // Random additions: the written digits, last first, are the answer.
  for (const ArithmeticProblem& p : draw_problems(200, false, {1, 9, "+"}, 4)) {
    std::istringstream in(worked_solution(p));
    std::string line, digits;
    while (std::getline(in, line)) {
      if (auto w = line.find(", write "); w != std::string::npos) digits.insert(digits.begin(), line[w + 8]);
      if (line.starts_with("write the carry ")) digits.insert(digits.begin(), line.back());
    }
    EXPECT_EQ(digits, p.result) << p.expression();
  }
}

TEST(CotSft, StylesAndSplit) {
  const ArithmeticProblem p = make_problem(4567, '+', 891);
  const Conversation cot = cot_sft_conversation(p, 0, "cot");
  EXPECT_EQ(cot[0].content, "What is 4567 + 891?\nLet's think step by step.");
  EXPECT_EQ(cot[1].content, worked_solution(p));
  const Conversation direct = cot_sft_conversation(p, 0, "direct");
  EXPECT_EQ(direct[0].content, "What is 4567 + 891?");
  EXPECT_EQ(direct[1].content, "The answer is 5458.");
  EXPECT_THROW(cot_sft_conversation(p, 0, "long"), Error);
  CotSftOptions o;
  o.train = 300;
  o.test = 40;
  const ArithmeticSftData d = make_cot_sft(o);
  EXPECT_EQ(d.train.size(), 300u);
  for (const ArithmeticProblem& q : d.test) EXPECT_EQ(expressions(d.train).count(q.expression()), 0u);
  o.problems.ops = "+-";
  EXPECT_THROW(make_cot_sft(o), Error);
}

TEST(ArithmeticSftCli, SameSeedSameBytesAndBadFlags) {
  const std::string dir = test::temp_dir();
  for (const char* sub : {"a", "b"})
    ASSERT_EQ(test::run_command(kBin + " data tool-sft --out " + dir + "/" + sub + " --train 40 --test 8 --seed 3 >/dev/null"), 0);
  EXPECT_EQ(io::read_file(dir + "/a/train.jsonl"), io::read_file(dir + "/b/train.jsonl"));
  EXPECT_EQ(io::read_file(dir + "/a/test.jsonl"), io::read_file(dir + "/b/test.jsonl"));
  const std::vector<Conversation> train = ft::read_instruction_jsonl(dir + "/a/train.jsonl");
  ASSERT_EQ(train.size(), 40u);
  std::string out;
  ASSERT_EQ(test::run_command(kBin + " data cot-sft --out " + dir + "/c --train 30 --test 5 --style direct", &out), 0);
  EXPECT_EQ(json::parse(out), json::parse(R"({"train": 30, "test": 5})"));
  EXPECT_EQ(ft::read_instruction_jsonl(dir + "/c/test.jsonl").size(), 5u);
  const std::string text = io::read_file(dir + "/c/test.jsonl");
  const json line = json::parse(text.substr(0, text.find('\n')));
  EXPECT_EQ(line["messages"][1]["content"], "The answer is " + line["answer"].get<std::string>() + ".");
  EXPECT_EQ(test::run_command(kBin + " data tool-sft --out " + dir + "/d --min-digits 0 2>/dev/null"), 2);
  EXPECT_EQ(test::run_command(kBin + " data cot-sft --out " + dir + "/e --style long 2>/dev/null"), 2);
  EXPECT_NE(test::run_command(kBin + " data tool-sft --out " + dir + "/f --ops / 2>/dev/null"), 0);
}
