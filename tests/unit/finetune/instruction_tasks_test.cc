// The default instruction data: answers recomputed here from the question text, a 90/10
// split with no question in both halves, the same data for the same seed, and Alpaca JSONL
// that the instruction reader parses back.
#include <gtest/gtest.h>

#include <cstdio>
#include <set>

#include "finetune/chat_template.h"
#include "finetune/instruction_tasks.h"
#include "io/atomic_file.h"
#include "support/oracle.h"

using namespace lmf;

TEST(FinetuneTasks, ArithmeticAnswersSplitAndJsonl) {
  ft::InstructionSplit s = ft::arithmetic_tasks(300, 4);
  EXPECT_EQ(s.test.size(), 30u);
  EXPECT_EQ(s.train.size(), 270u);
  std::set<std::string> train_q;
  for (const auto& x : s.train) train_q.insert(x.instruction);
  for (const auto* half : {&s.train, &s.test})
    for (const auto& x : *half) {
      int a = -1, b = -1;
      char op[8] = {0};
      ASSERT_EQ(std::sscanf(x.instruction.c_str(), "What is %d %7s %d?", &a, op, &b), 3) << x.instruction;
      int want = std::string(op) == "+" ? a + b : std::string(op) == "-" ? a - b : a * b;
      EXPECT_EQ(x.output, std::to_string(want)) << x.instruction;
      if (half == &s.test) EXPECT_EQ(train_q.count(x.instruction), 0u) << "held-out question in train";
    }
  EXPECT_EQ(ft::to_jsonl(ft::arithmetic_tasks(300, 4).test), ft::to_jsonl(s.test));
  std::string path = test::temp_dir() + "/test.jsonl";
  io::write_text_atomic(path, ft::to_jsonl(s.test));
  std::vector<ft::Conversation> back = ft::read_instruction_jsonl(path);
  ASSERT_EQ(back.size(), s.test.size());
  EXPECT_EQ(back[0][0].content, s.test[0].instruction);
  EXPECT_EQ(back[0][1].content, s.test[0].output);
}

TEST(FinetuneTasks, SentenceTasksAnswerFromTheSentence) {
  std::vector<std::string> texts = {"The cat sat on the mat. A dog ran far away.\nBirds can fly very high.",
                                    "We went home early today. They played cards all night long."};
  ft::InstructionSplit s = ft::sentence_tasks(texts, 5, 1);
  ASSERT_EQ(s.train.size() + s.test.size(), 5u);
  for (const auto* half : {&s.train, &s.test})
    for (const auto& x : *half) {
      if (x.instruction.find("first word") != std::string::npos)
        EXPECT_EQ(x.input.substr(0, x.output.size() + 1), x.output + " ");
      else if (x.instruction.find("last word") != std::string::npos)
        EXPECT_TRUE(x.input.ends_with(" " + x.output + ".")) << x.input;
      else
        EXPECT_EQ(x.input.find(x.output), std::string::npos) << "completion must not contain its answer";
    }
  EXPECT_THROW(ft::sentence_tasks(texts, 50, 1), Error);
}
