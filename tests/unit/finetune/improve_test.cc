// Each fine-tuning method, trained on the embedded instruction data (ft::arithmetic_tasks),
// improves the held-out split over the base model.
//
// The base: a tiny GPT-2 over bytes (vocab 259: the 256 bytes, <|endoftext|> and the ChatML
// markers as special tokens) pretrained on the 200 arithmetic questions of the data (train
// and test) as ChatML conversations whose replies are sentences: "What is 23 + 9?" →
// "32 is the answer.". It knows the answers but never gives the bare number that the
// instruction data asks for, so its exact-match on the held-out split is 0. Fine-tuning on
// the training split only (180 examples, bare answers) must carry the form to the 20
// held-out questions. The base is built once and kept under the system's temp folder, keyed
// by kVersion (test::cached_dir).
//
// Asserted per method (margins measured with headroom, see below):
//   full, lora, adapter   held-out exact-match(after) - exact-match(before) >= 0.4
//   prefix, prompt        held-out response loss (mean cross-entropy over the answer tokens
//                         and <|im_end|>) at most 0.9x (prefix) / 0.95x (prompt) the base's,
//                         exact-match not lower: on a model this small they do not reach
//                         exact answers within the budget.
// Measured (1 thread): exact-match 0 -> 0.60 full, 0.80 LoRA, 0.85 adapter, 0.05 prefix,
// 0 prompt; response loss 4.01 -> 2.28 prefix, 3.41 prompt; base in its own sentence form 0.95.
#include <gtest/gtest.h>

#include <chrono>
#include <mutex>

#include "core/autograd.h"
#include "core/threads.h"
#include "finetune/instruction_tasks.h"
#include "finetune/sft.h"
#include "models/checkpoint.h"
#include "support/byte_tokenizer.h"
#include "support/cached_dir.h"

using namespace lmf;

namespace {

constexpr int kVersion = 2;

ft::Conversation conversation(const ft::InstructionExample& x, const std::string& reply) {
  return {{"user", x.instruction + (x.input.empty() ? "" : "\n\n" + x.input)}, {"assistant", reply}};
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
      ft::ChatTemplate tmpl(tk);
      std::vector<ft::EncodedChat> corpus;
      for (const auto* half : {&f.data.train, &f.data.test})
        for (const ft::InstructionExample& x : *half) corpus.push_back(tmpl.encode(conversation(x, x.output + " is the answer.")));
      ModelConfig cfg = ModelConfig::preset("tiny-gpt2");  // 2 layers, width 64, 4 heads
      cfg.vocab_size = 259;
      cfg.n_positions = 96;
      Transformer base(cfg);
      base.init_weights(7);
      ft::SftOptions opt;
      opt.batch = 32;
      opt.steps = 600;
      opt.lr = 3e-3;
      opt.max_len = 64;
      opt.quiet = true;
      ft::train_sft(base, nullptr, corpus, opt);
      save_model(base, tmp);
      tk.save_json(tmp + "/tokenizer.json");
    });
  });
  return f;
}

// Mean cross-entropy of the held-out answers (content and <|im_end|>).
double response_loss(Transformer& model, const std::vector<ft::EncodedChat>& test) {
  autograd::NoGradGuard ng;
  std::vector<size_t> idx(test.size());
  for (size_t i = 0; i < idx.size(); ++i) idx[i] = i;
  Tensor x, y;
  ft::make_batch(test, idx, 96, x, y);
  return model.loss(x, y).item();
}

struct Outcome {
  double em_before, em_after, loss_before, loss_after;
};

Outcome finetune(const std::string& method, int64_t steps, double lr) {
  threads::set(1);
  const Fixture& f = fixture();
  tok::Tokenizer tk = test::byte_tokenizer(true);
  ft::ChatTemplate tmpl(tk);
  std::vector<ft::EncodedChat> train, test_enc;
  std::vector<ft::Conversation> test;
  for (const auto& x : f.data.train) train.push_back(tmpl.encode(conversation(x, x.output)));
  for (const auto& x : f.data.test) {
    test.push_back(conversation(x, x.output));
    test_enc.push_back(tmpl.encode(test.back()));
  }
  Transformer model = load_model(f.base_dir);
  Outcome o;
  o.em_before = ft::exact_match(model, tk, test, 8);
  o.loss_before = response_loss(model, test_enc);
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
  o.em_after = ft::exact_match(model, tk, test, 8);
  o.loss_after = response_loss(model, test_enc);
  std::printf("%s: held-out exact-match %.3f -> %.3f, response loss %.3f -> %.3f\n", method.c_str(), o.em_before,
              o.em_after, o.loss_before, o.loss_after);
  return o;
}

}  // namespace

TEST(FinetuneImproves, BaseKnowsTheAnswersButNotTheForm) {
  threads::set(1);
  const Fixture& f = fixture();
  ASSERT_EQ(f.data.test.size(), 20u);
  Transformer model = load_model(f.base_dir);
  tok::Tokenizer tk = test::byte_tokenizer(true);
  std::vector<ft::Conversation> test, verbose;
  for (const auto& x : f.data.test) {
    test.push_back(conversation(x, x.output));
    verbose.push_back(conversation(x, x.output + " is the answer."));
  }
  const double em = ft::exact_match(model, tk, test, 8), em_verbose = ft::exact_match(model, tk, verbose, 24);
  std::printf("base: exact-match %.3f, with the pretraining's sentence %.3f\n", em, em_verbose);
  EXPECT_EQ(em, 0.0);
  EXPECT_GE(em_verbose, 0.7);
}

TEST(FinetuneImproves, Full) {
  Outcome o = finetune("full", 200, 1e-3);
  EXPECT_GE(o.em_after - o.em_before, 0.4);
}

TEST(FinetuneImproves, Lora) {
  Outcome o = finetune("lora", 200, 3e-3);
  EXPECT_GE(o.em_after - o.em_before, 0.4);
}

TEST(FinetuneImproves, Adapter) {
  Outcome o = finetune("adapter", 200, 3e-3);
  EXPECT_GE(o.em_after - o.em_before, 0.4);
}

TEST(FinetuneImproves, Prefix) {
  Outcome o = finetune("prefix", 200, 1e-2);
  EXPECT_LE(o.loss_after, 0.9 * o.loss_before);
  EXPECT_GE(o.em_after, o.em_before);
}

TEST(FinetuneImproves, Prompt) {
  Outcome o = finetune("prompt", 200, 1e-2);
  EXPECT_LE(o.loss_after, 0.95 * o.loss_before);
  EXPECT_GE(o.em_after, o.em_before);
}
