// Each fine-tuning method, trained on the embedded instruction data (ft::arithmetic_tasks),
// improves exact-match on the held-out split over the base model.
//
// The base: a tiny Llama over bytes (vocab 259: the 256 bytes, <|endoftext|> and the ChatML
// markers as special tokens) pretrained on the 200 arithmetic questions of the data (train
// and test) as ChatML conversations in two forms: without a system message the reply is a
// sentence ("What is 23 + 9?" -> "32 is the answer."), after the system message "Be brief."
// it is the bare number. So the base knows the answers and the bare form, but without the
// cue it never gives the bare number the instruction data asks for, and its exact-match on
// the held-out split is 0. Fine-tuning on the training split only (180 examples, bare
// answers, no system message) must carry the form to the 20 held-out questions: the method
// has to elicit what the base can do, as instruction tuning does. Llama's rotary positions
// matter here: a tiny GPT-2 recalls its memorised answers by absolute position, so 8
// virtual tokens (prompt and prefix tuning) that shift the question break its recall.
// The base is built once and kept under the system's temp folder, keyed by kVersion
// (test::cached_dir).
//
// Asserted for every method: held-out exact-match(after) - exact-match(before) >= 0.5.
// Measured (1 thread, 200 steps): 0 -> 0.95 full, 1.0 LoRA, adapter, prefix and prompt;
// the base gives 1.0 in its sentence form and 1.0 after the cue.
#include <gtest/gtest.h>

#include <mutex>

#include "core/threads.h"
#include "eval/exact_match.h"
#include "finetune/instruction_tasks.h"
#include "finetune/sft.h"
#include "models/checkpoint.h"
#include "support/byte_tokenizer.h"
#include "support/cached_dir.h"

using namespace lmf;

namespace {

constexpr int kVersion = 4;
constexpr const char* kCue = "Be brief.";  // the system message that asks for the bare form

Conversation conversation(const ft::InstructionExample& x, const std::string& reply, const char* system = nullptr) {
  Conversation c;
  if (system) c.push_back({"system", system});
  c.push_back({"user", ft::alpaca_user_message(x.instruction, x.input)});
  c.push_back({"assistant", reply});
  return c;
}

struct Fixture {
  ft::InstructionSplit data = ft::arithmetic_tasks(200, 1);
  std::string base_dir;
};

const Fixture& fixture() {
  static std::once_flag once;
  static Fixture f;
  std::call_once(once, [] {
    f.base_dir = test::cached_dir("lmforge-finetune-base-v" + std::to_string(kVersion), "model.safetensors",
                                  [&](const std::string& tmp) {
      tok::Tokenizer tk = test::byte_tokenizer(true);
      ChatTemplate tmpl(tk);
      std::vector<EncodedChat> corpus;
      for (const auto* half : {&f.data.train, &f.data.test})
        for (const ft::InstructionExample& x : *half) {
          corpus.push_back(tmpl.encode(conversation(x, x.output + " is the answer.")));
          corpus.push_back(tmpl.encode(conversation(x, x.output, kCue)));
        }
      ModelConfig cfg = ModelConfig::preset("tiny-llama");  // 2 layers, width 64, 4 heads (2 key/value)
      cfg.vocab_size = 259;
      Transformer base(cfg);
      base.init_weights(7);
      ft::SftOptions opt;
      opt.batch = 32;
      opt.steps = 1500;
      opt.lr = 3e-3;
      opt.max_len = 128;
      opt.quiet = true;
      ft::train_sft(base, nullptr, corpus, opt);
      save_model(base, tmp);
      tk.save_json(tmp + "/tokenizer.json");
    });
  });
  return f;
}

// Held-out exact-match gained by `steps` steps of `method` on the training split.
double gain(const std::string& method, int64_t steps, double lr) {
  threads::set(1);
  const Fixture& f = fixture();
  tok::Tokenizer tk = test::byte_tokenizer(true);
  ChatTemplate tmpl(tk);
  std::vector<EncodedChat> train;
  std::vector<Conversation> test;
  for (const auto& x : f.data.train) train.push_back(tmpl.encode(conversation(x, x.output)));
  for (const auto& x : f.data.test) test.push_back(conversation(x, x.output));
  Transformer model = load_model(f.base_dir);
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
  const Fixture& f = fixture();
  ASSERT_EQ(f.data.test.size(), 20u);
  Transformer model = load_model(f.base_dir);
  tok::Tokenizer tk = test::byte_tokenizer(true);
  std::vector<Conversation> test, verbose, cued;
  for (const auto& x : f.data.test) {
    test.push_back(conversation(x, x.output));
    verbose.push_back(conversation(x, x.output + " is the answer."));
    cued.push_back(conversation(x, x.output, kCue));
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
