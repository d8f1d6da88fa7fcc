// The before/after report of `lmforge align` (align/report.h) on the sums fixture: the
// judged columns and the win rate equal what the judge gives each model's greedy replies
// (computed here separately), prompts the judge cannot score are left out, the reward
// column is the mean of the reward function, and the perplexity column is the model's on
// a token shard.
#include <gtest/gtest.h>

#include <cmath>

#include "align/report.h"
#include "core/threads.h"
#include "data/token_shard.h"
#include "finetune/sft.h"
#include "models/checkpoint.h"
#include "support/align_fixture.h"
#include "support/oracle.h"

using namespace lmf;

namespace {

// The SFT model trained further on the right answers only: better, not perfect.
Transformer trained_on_chosen(const test::AlignFixture& f, const tok::Tokenizer& tk) {
  Transformer m = load_model(f.model_dir);
  std::vector<EncodedChat> data;
  for (const align::PreferencePair& p : f.train) {
    EncodedChat e;
    tk.encode_append(p.prompt, false, e.ids), e.trained.resize(e.ids.size(), 0);
    tk.encode_append(p.chosen, false, e.ids), e.trained.resize(e.ids.size(), 1);
    data.push_back(std::move(e));
  }
  ft::SftOptions o;
  o.batch = 32, o.steps = 40, o.lr = 1e-3, o.max_len = 16, o.quiet = true;
  ft::train_sft(m, nullptr, data, o);
  return m;
}

}  // namespace

TEST(AlignReport, ColumnsAreTheJudgeRewardAndPerplexityOfEachSide) {
  threads::set(1);
  const test::AlignFixture& f = test::align_fixture();
  tok::Tokenizer tk = tok::Tokenizer::load(f.model_dir);
  Transformer before = load_model(f.model_dir);
  Transformer after = trained_on_chosen(f, tk);

  std::string text;
  for (const align::PreferencePair& p : f.test) text += p.prompt + p.chosen;
  std::vector<TokenId> ids = tk.encode(text);
  const std::string shard = test::temp_dir() + "/eval.bin";
  data::write_token_shard(shard, ids);

  align::ReportOptions opt;
  opt.max_new_tokens = 4;
  // Prompts whose first operand is 0 are "not judgeable" here, to check they are left out.
  opt.judge = [&](const align::PreferencePair& p, const std::string& reply) {
    return p.prompt[0] == '0' ? NAN : f.judge(p, reply);
  };
  opt.reward = [](const std::vector<int32_t>& prompt, const std::vector<int32_t>& reply) {
    return double(prompt.size()) + 0.5 * double(reply.size());
  };
  opt.eval_shard = shard;
  opt.eval_T = 16;
  opt.eval_batch = 2;
  opt.eval_windows = 8;
  align::AlignReport r = align::compare_models([&](bool aligned) -> Transformer& { return aligned ? after : before; },
                                               tk, f.train, opt);

  // Judged columns and win rate from the replies, computed here.
  int64_t n = 0;
  double want_before = 0, want_after = 0, wins = 0, reward = 0;
  for (size_t i = 0; i < f.train.size(); ++i) {
    const align::PreferencePair& p = f.train[i];
    reward += double(tk.encode(p.prompt).size()) + 0.5 * double(tk.encode(r.before.replies[i]).size());
    if (p.prompt[0] == '0') continue;
    const double b = f.judge(p, r.before.replies[i]), a = f.judge(p, r.after.replies[i]);
    ++n, want_before += b, want_after += a, wins += a > b ? 1 : a == b ? 0.5 : 0;
  }
  ASSERT_EQ(r.prompts, int64_t(f.train.size()));
  EXPECT_EQ(r.judged_prompts, n);
  EXPECT_LT(n, r.prompts);
  EXPECT_DOUBLE_EQ(r.before.judged, want_before / double(n));
  EXPECT_DOUBLE_EQ(r.after.judged, want_after / double(n));
  EXPECT_DOUBLE_EQ(r.win_rate, wins / double(n));
  EXPECT_NEAR(r.before.reward, reward / double(f.train.size()), 1e-9);
  // The replies are the models' greedy ones: the judged share over every prompt matches judged_right.
  double all_before = 0;
  for (size_t i = 0; i < f.train.size(); ++i) all_before += f.judge(f.train[i], r.before.replies[i]);
  EXPECT_DOUBLE_EQ(all_before / double(f.train.size()), test::judged_right(before, tk, f.train));
  EXPECT_GT(r.after.judged, r.before.judged + 0.1);
  EXPECT_GT(r.win_rate, 0.55);
  std::printf("%s", align::format_report(r).c_str());

  // Perplexity: exp of the mean loss over the shard's windows, the same model on both sides agrees.
  EXPECT_TRUE(std::isfinite(r.before.ppl));
  EXPECT_GT(r.before.ppl, 1.0);
  EXPECT_NE(r.before.ppl, r.after.ppl);
  align::AlignReport same = align::compare_models([&](bool) -> Transformer& { return before; }, tk,
                                                  {f.test.begin(), f.test.begin() + 3}, opt);
  EXPECT_DOUBLE_EQ(same.before.ppl, r.before.ppl);
  EXPECT_DOUBLE_EQ(same.after.ppl, r.before.ppl);
  EXPECT_DOUBLE_EQ(same.win_rate, 0.5);
  const nlohmann::json j = align::report_json(r);
  EXPECT_EQ(j["judged_prompts"], n);
  EXPECT_DOUBLE_EQ(j["after"]["judged_good"].get<double>(), r.after.judged);
}
