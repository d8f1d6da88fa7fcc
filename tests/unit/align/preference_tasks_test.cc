// The default preference data: every generated pair judged chosen > rejected (align/judge.h),
// all six kinds present in both halves, no held-out prompt in the training split, the same
// data for the same seed, JSONL the preference reader parses back. The judge itself:
// judge_test.cc.
#include <gtest/gtest.h>

#include <map>
#include <set>

#include "align/judge.h"
#include "align/preference_tasks.h"
#include "io/atomic_file.h"
#include "support/oracle.h"

using namespace lmf;
using align::PreferencePair;
using align::TaskKind;

TEST(AlignPreferenceTasks, EveryPairIsJudgedChosenOverRejected) {
  align::PreferenceSplit s = align::preference_tasks(3000, 7);
  EXPECT_EQ(s.train.size() + s.test.size(), 3000u);
  EXPECT_GE(s.test.size(), 300u);
  EXPECT_LE(s.test.size(), 330u);
  std::set<std::string> train_prompts;
  for (const auto& p : s.train) train_prompts.insert(p.prompt);
  std::map<std::string, int> kinds[2];
  for (int half = 0; half < 2; ++half)
    for (const PreferencePair& p : half ? s.test : s.train) {
      TaskKind k;
      ASSERT_TRUE(align::task_kind(p, &k)) << p.prompt;
      ++kinds[half][align::task_kind_name(k)];
      const double c = align::judge(p, p.chosen), r = align::judge(p, p.rejected);
      EXPECT_GT(c, r) << task_kind_name(k) << ": " << p.prompt << " | " << p.chosen << " | " << p.rejected;
      EXPECT_EQ(c, 1.0) << p.prompt << " | " << p.chosen;
      EXPECT_GE(r, 0.0);
      EXPECT_EQ(align::prefers(p, p.chosen, p.rejected), 1);
      EXPECT_EQ(align::prefers(p, p.rejected, p.chosen), -1);
      EXPECT_EQ(align::prefers(p, p.chosen, p.chosen), 0);
      EXPECT_TRUE(p.prompt.ends_with("\n"));
      EXPECT_EQ(p.chosen.find('\n'), std::string::npos);
      EXPECT_EQ(p.rejected.find('\n'), std::string::npos);
      if (half == 1) {
        EXPECT_EQ(train_prompts.count(p.prompt), 0u) << "held-out prompt in train: " << p.prompt;
      }
    }
  for (int half = 0; half < 2; ++half) {
    EXPECT_EQ(kinds[half].size(), 6u);
    for (auto& [k, n] : kinds[half]) EXPECT_GE(n, half ? 20 : 300) << k;
  }
  // Deterministic in the seed, different across seeds.
  EXPECT_EQ(align::to_jsonl(align::preference_tasks(3000, 7).test), align::to_jsonl(s.test));
  EXPECT_NE(align::to_jsonl(align::preference_tasks(3000, 8).test), align::to_jsonl(s.test));
  // JSONL round trip through the preference reader.
  const std::string path = test::temp_dir() + "/test.jsonl";
  io::write_text_atomic(path, align::to_jsonl(s.test));
  std::vector<PreferencePair> back = align::read_preferences_jsonl(path);
  ASSERT_EQ(back.size(), s.test.size());
  for (size_t i = 0; i < back.size(); ++i) {
    EXPECT_EQ(back[i].prompt, s.test[i].prompt);
    EXPECT_EQ(back[i].chosen, s.test[i].chosen);
    EXPECT_EQ(back[i].rejected, s.test[i].rejected);
  }
  EXPECT_THROW(align::preference_tasks(0, 1), Error);
}

TEST(AlignPreferenceTasks, DataPreferencesHelpNamesTheKinds) {
  std::string help;
  ASSERT_EQ(test::run_command(std::string(LMFORGE_BINARY) + " data preferences --help", &help), 0) << help;
  for (int k = 0; k < align::kTaskKinds; ++k)
    EXPECT_NE(help.find(align::task_kind_name(TaskKind(k))), std::string::npos) << task_kind_name(TaskKind(k)) << "\n" << help;
}
