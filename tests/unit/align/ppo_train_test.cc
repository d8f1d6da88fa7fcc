// PPO on the alignment fixture (tests/support/align_fixture.h): the SFT'd sums model,
// rewarded by the program judge (1 for the right sum, 0 otherwise), answers more of its
// training prompts right after PPO than before, by a margin, while the mean KL of its
// rollouts to the reference stays bounded. Also: rollouts are reproducible for a seed,
// batched sampling equals sampling each prompt alone, and the recorded log-probs and
// values are those of a fresh forward pass.
#include <gtest/gtest.h>

#include "align/ppo.h"
#include "align/rollout.h"
#include "core/autograd.h"
#include "core/threads.h"
#include "finetune/peft.h"
#include "models/checkpoint.h"
#include "support/align_fixture.h"
#include "support/oracle.h"

using namespace lmf;

namespace {

std::vector<align::Ids> encode_prompts(const tok::Tokenizer& tk, const std::vector<align::PreferencePair>& ps) {
  std::vector<align::Ids> out;
  for (const align::PreferencePair& p : ps) {
    align::Ids ids;
    tk.encode_append(p.prompt, false, ids);
    out.push_back(ids);
  }
  return out;
}

std::string text_of(const tok::Tokenizer& tk, const align::Ids& ids) {
  return tk.decode_bytes(std::vector<TokenId>(ids.begin(), ids.end()));
}

// Reward: the fixture's judge on the decoded prompt and response (1 right, 0 wrong).
align::RewardFn judge_reward(const tok::Tokenizer& tk) {
  return [&tk](const std::vector<align::Ids>& ps, const std::vector<align::Ids>& rs) {
    std::vector<double> s;
    for (size_t i = 0; i < ps.size(); ++i) {
      align::PreferencePair p;
      p.prompt = text_of(tk, ps[i]);
      s.push_back(test::align_fixture().judge(p, text_of(tk, rs[i])));
    }
    return s;
  };
}

align::PpoOptions fixture_options() {
  align::PpoOptions o;
  o.iterations = 100;
  o.batch = 32;
  o.minibatch = 8;
  o.epochs = 4;
  o.adaptive_kl = false;
  o.init_kl = 0.1;
  o.rollout.max_new_tokens = 4;
  o.rollout.stop = {int32_t(';')};
  o.seed = 1;
  return o;
}

// Mean sequence KL to the reference over the last 5 iterations.
double last_kl(const align::PpoResult& r) {
  double kl = 0;
  for (size_t i = r.rows.size() - 5; i < r.rows.size(); ++i) kl += r.rows[i]["objective/kl"].get<double>() / 5;
  return kl;
}

struct Outcome {
  double before = 0, after = 0, kl = 0;  // judged right on the training prompts; last_kl
  align::PpoResult result;
};

// PPO of `policy` (every weight when `method` is null, else the method's tensors) on the
// fixture's training prompts, rewarded by the judge, with fixture_options at learning rate
// `lr` and a value head seeded 17.
Outcome train_on_fixture(const char* label, Transformer& policy, ft::PeftMethod* method, Transformer& reference,
                         double lr) {
  const test::AlignFixture& f = test::align_fixture();
  tok::Tokenizer tk = tok::Tokenizer::load(f.model_dir);
  Outcome o;
  o.before = test::judged_right(policy, tk, f.train);
  align::PpoOptions opt = fixture_options();
  opt.lr = lr;
  align::ValueHead vh(policy.config().n_embd, 17);
  o.result = align::run_ppo(policy, method, vh, reference, encode_prompts(tk, f.train), judge_reward(tk), opt);
  o.after = test::judged_right(policy, tk, f.train);
  o.kl = last_kl(o.result);
  std::printf("%s: judged right %.3f -> %.3f (held out %.3f), score %.3f -> %.3f, KL (last 5) %.3f, %lld trainable, "
              "%.3f s/iteration\n",
              label, o.before, o.after, test::judged_right(policy, tk, f.test),
              o.result.rows.front()["env/reward_mean"].get<double>(), o.result.rows.back()["env/reward_mean"].get<double>(),
              o.kl, (long long)o.result.trainable, o.result.seconds_per_iteration);
  return o;
}

}  // namespace

TEST(PpoRollout, ReproducibleBatchedAndScored) {
  threads::set(1);
  const test::AlignFixture& f = test::align_fixture();
  Transformer model = load_model(f.model_dir);
  Transformer ref = load_model(f.model_dir);
  tok::Tokenizer tk = tok::Tokenizer::load(f.model_dir);
  std::vector<align::PreferencePair> some(f.train.begin(), f.train.begin() + 12);
  const std::vector<align::Ids> prompts = encode_prompts(tk, some);
  align::ValueHead vh(model.config().n_embd, 3);
  align::RolloutOptions ro;
  ro.max_new_tokens = 4;
  ro.stop = {int32_t(';')};
  ro.seed = 9;
  const align::Rollout a = align::rollout(model, vh, ref, prompts, ro);
  const align::Rollout b = align::rollout(model, vh, ref, prompts, ro);
  EXPECT_EQ(a.responses, b.responses);
  for (size_t i = 0; i < prompts.size(); ++i) {
    // Prompt i alone gets the same draw (seeded by its index: pass it as the only prompt at index i).
    std::vector<align::Ids> alone(prompts.size(), prompts[i]);
    EXPECT_EQ(align::sample_responses(model, alone, ro)[i], a.responses[i]) << "prompt " << i;
    EXPECT_GE(a.responses[i].size(), 1u);
    EXPECT_LE(a.responses[i].size(), 4u);
    const align::Ids& r = a.responses[i];
    for (size_t j = 0; j + 1 < r.size(); ++j) EXPECT_NE(r[j], ';') << "a response runs past its stop id";
  }
  // Policy and reference are the same weights here: log-probs agree, KL is zero.
  autograd::NoGradGuard ng;
  EXPECT_LE(test::rel_error(a.logp, a.ref_logp), 1e-6);
  EXPECT_LE(test::rel_error(a.logp, align::response_token_logprobs(model, a.batch)), 1e-5);
  EXPECT_GT(a.entropy, 0.0);
  EXPECT_EQ(a.tokens, [&] { int64_t n = 0; for (auto& r : a.responses) n += int64_t(r.size()); return n; }());
}

// Measured (seeds 1, 2, 3 of this setting): judged right on the training prompts 0.471 →
// 0.926 / 0.730 / 0.858, mean sequence KL over the last 5 iterations 0.78 / 0.82 / 0.91.
// Asserted: a gain of at least 0.25 and a KL of at most 3.
TEST(PpoTrain, RaisesJudgedRightWithBoundedKL) {
  threads::set(1);
  const test::AlignFixture& f = test::align_fixture();
  Transformer policy = load_model(f.model_dir);
  Transformer ref = load_model(f.model_dir);
  const Outcome o = train_on_fixture("full", policy, nullptr, ref, 2e-4);
  EXPECT_GE(o.after - o.before, 0.25);
  EXPECT_LE(o.kl, 3.0);
  EXPECT_GT(o.kl, 0.0);
}

// LoRA: only the adapter and the value head train; the reference is the base (the policy
// with its hooks off), which stays exactly the starting model. Measured (seeds 1 to 6, learning
// rate 1e-3): judged right 0.471 → 0.716 / 0.838 / 0.814 / 0.804 / 0.902 / 0.765, KL 0.72 to
// 1.22 (at 2e-3 one seed in six stalled at 0.485, so the rate is the steadier 1e-3).
// Asserted: a gain of at least 0.15 and a KL of at most 3.
TEST(PpoTrain, LoraRaisesJudgedRightAndLeavesTheBase) {
  threads::set(1);
  const test::AlignFixture& f = test::align_fixture();
  Transformer policy = load_model(f.model_dir);
  Transformer start = load_model(f.model_dir);
  std::unique_ptr<ft::PeftMethod> lora = ft::create_method(policy, {.method = "lora", .rank = 8, .alpha = 16, .seed = 5});
  const Outcome o = train_on_fixture("lora", policy, lora.get(), policy, 1e-3);
  EXPECT_GE(o.after - o.before, 0.15);
  EXPECT_LE(o.kl, 3.0);
  for (size_t i = 0; i < policy.params().size(); ++i)
    EXPECT_EQ(test::rel_error(policy.params()[i].value, start.params()[i].value), 0.0) << policy.params()[i].name;
  EXPECT_EQ(o.result.trainable, lora->num_parameters() + policy.config().n_embd + 1);
}
