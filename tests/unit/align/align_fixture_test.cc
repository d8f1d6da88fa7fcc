// The alignment tests' premise (tests/support/align_fixture.h): the SFT model answers a fair
// share of its prompts right and a fair share wrong, and the judge tells which.
#include <gtest/gtest.h>

#include "core/threads.h"
#include "models/checkpoint.h"
#include "support/align_fixture.h"

using namespace lmf;

TEST(AlignFixture, SftModelIsRightAboutHalfTheTime) {
  threads::set(1);
  const test::AlignFixture& f = test::align_fixture();
  align::PreferencePair p;
  p.prompt = "12+9=";
  EXPECT_EQ(f.judge(p, "21;"), 1.0);
  EXPECT_EQ(f.judge(p, "21"), 1.0);
  EXPECT_EQ(f.judge(p, "22;"), 0.0);
  EXPECT_EQ(f.judge(p, "2;"), 0.0);
  EXPECT_EQ(f.judge(p, "210"), 0.0);
  EXPECT_EQ(f.judge(p, ";"), 0.0);
  Transformer model = load_model(f.model_dir);
  tok::Tokenizer tk = tok::Tokenizer::load(f.model_dir);
  const double right = test::judged_right(model, tk, f.train);
  std::printf("judged right on %zu training prompts: %.3f\n", f.train.size(), right);
  EXPECT_GT(right, 0.3);
  EXPECT_LT(right, 0.75);
}
