// The default instruction data: answers recomputed here from the question text, a 90/10
// split with no question in both halves, the same data for the same seed, and Alpaca JSONL
// that the instruction reader parses back.
#include <gtest/gtest.h>

#include <cstdio>
#include <map>
#include <set>

#include "finetune/instruction_data.h"
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
  std::vector<Conversation> back = ft::read_instruction_jsonl(path);
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
      else if (x.instruction.find("capital letters") != std::string::npos)
        EXPECT_EQ(x.output.size(), x.input.size());
      else
        EXPECT_EQ(x.input.find(x.output), std::string::npos) << "completion must not contain its answer";
    }
  EXPECT_THROW(ft::sentence_tasks(texts, 50, 1), Error);
}

TEST(FinetuneTasks, WordNetDefinitions) {
  const std::string dir = lmf::test::temp_dir();
  // Two license lines (indented), then synsets in WordNet 3.0's data.noun layout.
  lmf::io::write_text_atomic(dir + "/data.noun",
                             "  1 This software and database is being provided to you\n"
                             "  2 Princeton University under the following license.\n"
                             "00005930 03 n 01 dwarf 0 001 @ 00004475 n 0000 | a plant or animal that is atypically small  \n"
                             "00006024 03 n 01 heterotroph 0 001 @ 00004475 n 0000 | an organism that depends on "
                             "complex organic substances for nutrition; \"an example\"  \n"
                             "00006150 03 n 01 parent 0 001 @ 00004475 n 0000 | an organism from which younger ones "
                             "are obtained  \n"
                             "00006400 03 n 02 big_shot 0 bigwig 0 000 | an important person  \n");
  ft::InstructionSplit s = ft::wordnet_tasks(dir, 3, 1);
  ASSERT_EQ(s.train.size() + s.test.size(), 3u);
  std::map<std::string, std::string> defs;
  for (const auto* half : {&s.train, &s.test})
    for (const auto& x : *half) defs[x.instruction] = x.output;
  EXPECT_EQ(defs["Define the word \"dwarf\"."], "a plant or animal that is atypically small");
  EXPECT_EQ(defs["Define the word \"heterotroph\"."],
            "an organism that depends on complex organic substances for nutrition");  // no example
  EXPECT_EQ(defs.count("Define the word \"big_shot\"."), 0u);  // multi-word lemma skipped
  EXPECT_THROW(ft::wordnet_tasks(dir, 5, 1), Error);
  EXPECT_THROW(ft::wordnet_tasks(dir + "/missing", 1, 1), Error);
}
