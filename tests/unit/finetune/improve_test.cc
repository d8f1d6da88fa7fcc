// Each fine-tuning method, trained on the embedded instruction data (ft::arithmetic_tasks),
// improves exact-match on the held-out split over the base model.
//
// The base (test::finetune_base, tests/support/finetune_base.h) knows the answers to all 200
// questions and gives the bare number only after the system cue "Be brief."; without it, it
// answers in a sentence, so its exact-match on the held-out split is 0. Fine-tuning on the
// training split only (180 examples, bare answers, no system message) must carry the form to
// the 20 held-out questions: the method has to elicit what the base can do, as instruction
// tuning does.
//
// Asserted for every method: held-out exact-match(after) - exact-match(before) >= 0.5.
// Measured (1 thread, 200 steps): 0 -> 0.95 full, 1.0 LoRA, adapter, prefix and prompt;
// the base gives 1.0 in its sentence form and 1.0 after the cue.
#include <gtest/gtest.h>

#include "core/threads.h"
#include "eval/exact_match.h"
#include "finetune/sft.h"
#include "models/checkpoint.h"
#include "support/byte_tokenizer.h"
#include "support/finetune_base.h"

using namespace lmf;
using test::arithmetic_conversation;
using test::kBriefCue;

namespace {

// Held-out exact-match gained by `steps` steps of `method` on the training split.
double gain(const std::string& method, int64_t steps, double lr) {
  threads::set(1);
  const test::FinetuneBase& f = test::finetune_base();
  tok::Tokenizer tk = test::byte_tokenizer(true);
  ChatTemplate tmpl(tk);
  std::vector<EncodedChat> train;
  std::vector<Conversation> test;
  for (const auto& x : f.data.train) train.push_back(tmpl.encode(arithmetic_conversation(x, x.output)));
  for (const auto& x : f.data.test) test.push_back(arithmetic_conversation(x, x.output));
  Transformer model = load_model(f.model_dir);
  const double before = eval::exact_match(model, tk, test, 8);
  std::unique_ptr<ft::PeftMethod> m;
  if (method != "full") {
    ft::PeftOptions p;
    p.method = method;
    p.rank = 8;
    p.alpha = 16;
    p.bottleneck = 16;
    p.num_virtual_tokens = 8;
    p.seed = 3;
    m = ft::create_method(model, p);
  }
  ft::SftOptions opt;
  opt.batch = 16;
  opt.steps = steps;
  opt.lr = lr;
  opt.max_len = 96;
  opt.quiet = true;
  ft::train_sft(model, m.get(), train, opt);
  const double after = eval::exact_match(model, tk, test, 8);
  std::printf("%s: held-out exact-match %.3f -> %.3f\n", method.c_str(), before, after);
  return after - before;
}

}  // namespace

TEST(FinetuneImproves, BaseKnowsTheAnswersButNotTheForm) {
  threads::set(1);
  const test::FinetuneBase& f = test::finetune_base();
  ASSERT_EQ(f.data.test.size(), 20u);
  Transformer model = load_model(f.model_dir);
  tok::Tokenizer tk = test::byte_tokenizer(true);
  std::vector<Conversation> test, verbose, cued;
  for (const auto& x : f.data.test) {
    test.push_back(arithmetic_conversation(x, x.output));
    verbose.push_back(arithmetic_conversation(x, x.output + " is the answer."));
    cued.push_back(arithmetic_conversation(x, x.output, kBriefCue));
  }
  const double em = eval::exact_match(model, tk, test, 8), em_verbose = eval::exact_match(model, tk, verbose, 24);
  const double em_cued = eval::exact_match(model, tk, cued, 8);
  std::printf("base: exact-match %.3f, in the sentence form %.3f, after the cue %.3f\n", em, em_verbose, em_cued);
  EXPECT_EQ(em, 0.0);
  EXPECT_GE(em_verbose, 0.7);
  EXPECT_GE(em_cued, 0.7);
}

TEST(FinetuneImproves, Full) { EXPECT_GE(gain("full", 200, 1e-3), 0.5); }
TEST(FinetuneImproves, Lora) { EXPECT_GE(gain("lora", 200, 3e-3), 0.5); }
TEST(FinetuneImproves, Adapter) { EXPECT_GE(gain("adapter", 200, 3e-3), 0.5); }
TEST(FinetuneImproves, Prefix) { EXPECT_GE(gain("prefix", 200, 1e-2), 0.5); }
TEST(FinetuneImproves, Prompt) { EXPECT_GE(gain("prompt", 200, 1e-2), 0.5); }
