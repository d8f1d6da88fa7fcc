// `lmforge eval --instructions`: held-out exact-match of greedy replies on instruction JSONL,
// against the PyTorch reference. A small random GPT-2 over bytes (plus the ChatML markers as
// special tokens) answers six questions; the reference's greedy replies (tests/reference/
// peft.py `greedy`, with and without a LoRA adapter) decide which answers are right: half the
// JSONL answers are those replies, half are not, so exact-match must be exactly 0.5 and every
// sample row must show the reference's reply.
#include <gtest/gtest.h>

#include <filesystem>

#include "io/atomic_file.h"
#include "models/checkpoint.h"
#include "support/byte_tokenizer.h"
#include "support/oracle.h"
#include "tokenizer/tokenizer.h"

using namespace lmf;
using nlohmann::json;

namespace {

const std::string kBin = LMFORGE_BINARY;
constexpr int32_t kImStart = 257, kImEnd = 258;

std::string run_ok(const std::string& args) {
  std::string out;
  int rc = test::run_command(kBin + " " + args, &out);
  EXPECT_EQ(rc, 0) << kBin << " " << args << "\n" << out;
  return out;
}

// A random GPT-2 written by the reference, with the embeddings of bytes >= 128 and of the
// first two special tokens set to zero so that greedy replies are ASCII (or end the turn).
void write_model(const std::string& dir, const std::string& adapter_dir) {
  json cfg = {{"model_type", "gpt2"}, {"vocab_size", 259}, {"n_positions", 96}, {"n_embd", 32},
              {"n_layer", 2},         {"n_head", 4},       {"layer_norm_epsilon", 1e-5}};
  json acfg = {{"peft_type", "LORA"}, {"r", 4}, {"lora_alpha", 8}, {"lora_dropout", 0.0}, {"bias", "none"},
               {"target_modules", {"c_attn", "c_fc"}}};
  Tensor ids = Tensor::from_ints({1, 2, 3}, {1, 3});
  Tensor targets = Tensor::from_ints({2, 3, 4}, {1, 3});
  test::torch_ref("peft", "case", {{"ids", ids}, {"targets", targets}},
                  {{"model_dir", dir}, {"adapter_dir", adapter_dir}, {"config", cfg}, {"adapter_config", acfg},
                   {"seed", 21}});
  Transformer model = load_model(dir);
  for (Param& p : model.params())
    if (p.name == "transformer.wte.weight") {
      float* w = p.value.f32();
      for (int64_t v = 128; v < kImEnd; ++v)
        for (int64_t c = 0; c < 32; ++c) w[v * 32 + c] = 0;
    }
  save_model(model, dir);
  test::byte_tokenizer(true).save_json(dir + "/tokenizer.json");
}

// ChatML prompt ids of one user message, spelled out here byte by byte.
std::vector<int32_t> chat_prompt(const std::string& question) {
  std::vector<int32_t> ids{kImStart};
  for (unsigned char c : "user\n" + question) ids.push_back(c);
  ids.push_back(kImEnd);
  ids.push_back('\n');
  ids.push_back(kImStart);
  for (unsigned char c : std::string("assistant\n")) ids.push_back(c);
  return ids;
}

const std::vector<std::string> kQuestions = {"What is 1 + 2?", "What is 7 - 3?", "Define the word \"cat\".",
                                             "What is 4 times 5?", "What is the first word of this sentence?",
                                             "Complete the sentence."};

// The reference's greedy replies to kQuestions (at most n tokens, without the end-of-turn
// marker) as text.
std::vector<std::string> reference_replies(const std::string& model_dir, const std::string& adapter_dir, int n) {
  test::TensorMap prompts;
  for (size_t i = 0; i < kQuestions.size(); ++i) {
    std::vector<int32_t> p = chat_prompt(kQuestions[i]);
    prompts["prompt:" + std::to_string(i)] = Tensor::from_ints(p, {1, int64_t(p.size())});
  }
  json args = {{"model_dir", model_dir}, {"n", n}, {"stop", kImEnd}};
  if (!adapter_dir.empty()) args["adapter_dir"] = adapter_dir;
  auto r = test::torch_ref("peft", "greedy", prompts, args);
  std::vector<std::string> replies;
  for (size_t i = 0; i < kQuestions.size(); ++i) {
    std::string text;
    for (float x : r.at("ids:" + std::to_string(i)).to_vector()) {
      const int id = int(x);
      EXPECT_TRUE(id < 128 || id == kImEnd) << "reply token " << id;
      if (id == kImEnd) break;
      text += char(id);
    }
    replies.push_back(text);
  }
  return replies;
}

// JSONL whose even answers are the reference's replies and odd ones are not.
std::string instructions(const std::vector<std::string>& replies) {
  std::string out;
  for (size_t i = 0; i < kQuestions.size(); ++i)
    out += json{{"instruction", kQuestions[i]}, {"output", i % 2 == 0 ? replies[i] : replies[i] + "!"}}.dump() + "\n";
  return out;
}

void expect_report(const json& got, const std::vector<std::string>& replies) {
  EXPECT_DOUBLE_EQ(got["exact_match"].get<double>(), 0.5) << got.dump();
  EXPECT_EQ(got["right"].get<int64_t>(), 3);
  EXPECT_EQ(got["examples"].get<int64_t>(), 6);
  ASSERT_EQ(got["samples"].size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    const json& s = got["samples"][i];
    EXPECT_EQ(s["question"], kQuestions[i]);
    EXPECT_EQ(s["reply"], replies[i]) << i;
    EXPECT_EQ(s["right"], i % 2 == 0) << i;
  }
}

}  // namespace

TEST(EvalInstructions, ExactMatchAgreesWithReferenceReplies) {
  const std::string dir = test::temp_dir(), model = dir + "/m", lora = dir + "/lora";
  write_model(model, lora);
  const std::vector<std::string> plain = reference_replies(model, "", 6), adapted = reference_replies(model, lora, 6);
  for (size_t i = 0; i < kQuestions.size(); ++i) {
    ASSERT_FALSE(plain[i].empty()) << i;
    ASSERT_FALSE(adapted[i].empty()) << i;
  }
  EXPECT_NE(plain, adapted) << "the adapter should change some reply";

  io::write_text_atomic(dir + "/plain.jsonl", instructions(plain));
  expect_report(json::parse(run_ok("eval --model " + model + " --instructions " + dir +
                                   "/plain.jsonl --max-new 6 --show 6 --json --threads 1 2>/dev/null")),
                plain);
  io::write_text_atomic(dir + "/adapted.jsonl", instructions(adapted));
  expect_report(json::parse(run_ok("eval --model " + model + " --adapter " + lora + " --instructions " + dir +
                                   "/adapted.jsonl --max-new 6 --show 6 --json --threads 1 2>/dev/null")),
                adapted);

  // The text report: --show rows, then the score.
  std::string text = run_ok("eval --model " + model + " --instructions " + dir + "/plain.jsonl --max-new 6 --show 2 --threads 1 2>/dev/null");
  EXPECT_NE(text.find("question: What is 1 + 2?\nanswer:   " + plain[0] + "\nreply:    " + plain[0] + "  [right]"),
            std::string::npos)
      << text;
  EXPECT_NE(text.find("reply:    " + plain[1] + "  [wrong]"), std::string::npos) << text;
  EXPECT_EQ(text.find("What is 4 times 5?"), std::string::npos) << "--show 2 prints two rows\n" << text;
  EXPECT_NE(text.find("exact match: 0.500 (3 of 6)"), std::string::npos) << text;
}

TEST(EvalInstructions, BadInputIsAClearError) {
  const std::string dir = test::temp_dir(), model = dir + "/m";
  write_model(model, dir + "/lora");
  std::string out;
  EXPECT_NE(test::run_command(kBin + " eval --model " + model + " --instructions " + dir + "/none.jsonl 2>&1", &out), 0);
  EXPECT_NE(out.find(dir + "/none.jsonl"), std::string::npos) << out;
  io::write_text_atomic(dir + "/bad.jsonl", "{\"instruction\": \"a\", \"output\": \"b\"}\n{\"instruction\": 3}\n");
  EXPECT_NE(test::run_command(kBin + " eval --model " + model + " --instructions " + dir + "/bad.jsonl 2>&1", &out), 0);
  EXPECT_NE(out.find("bad.jsonl:2"), std::string::npos) << out;
  EXPECT_NE(test::run_command(kBin + " eval --model " + model + " 2>&1", &out), 0);
  EXPECT_NE(out.find("--instructions"), std::string::npos) << out;
  io::write_text_atomic(dir + "/ok.jsonl", "{\"instruction\": \"a\", \"output\": \"b\"}\n");
  EXPECT_NE(test::run_command(kBin + " eval --model " + model + " --instructions " + dir + "/ok.jsonl --data x.bin 2>&1", &out), 0);
  EXPECT_NE(out.find("excludes"), std::string::npos) << out;
}
