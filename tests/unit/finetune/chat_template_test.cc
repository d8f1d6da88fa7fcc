// Instruction data, the ChatML template and the response-only loss mask: the encoded ids
// decode to exactly the ChatML text, only the response and its end marker are targets,
// and prompt positions contribute exactly zero loss and gradient (checked against a plain
// double-precision cross-entropy over the response positions alone).
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>

#include "core/ops/loss.h"
#include "finetune/instruction_data.h"
#include "finetune/sft.h"
#include "io/atomic_file.h"
#include "support/oracle.h"
#include "tokenizer/tokenizer.h"

using namespace lmf;

TEST(FinetuneData, AlpacaAndChatLinesParse) {
  Conversation a = ft::parse_instruction(R"({"instruction": "Add the numbers.", "input": "2 3", "output": "5"})", "x");
  ASSERT_EQ(a.size(), 2u);
  EXPECT_EQ(a[0].role, "user");
  EXPECT_EQ(a[0].content, "Add the numbers.\n\n2 3");
  EXPECT_EQ(a[1].content, "5");
  Conversation c = ft::parse_instruction(
      R"({"messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello"}]})",
      "x");
  ASSERT_EQ(c.size(), 3u);
  EXPECT_EQ(c[2].role, "assistant");
  std::string path = test::temp_dir() + "/bad.jsonl";
  io::write_text_atomic(path, "{\"instruction\": \"a\", \"output\": \"b\"}\n{\"messages\": [{\"role\": \"robot\", \"content\": \"x\"}]}\n");
  try {
    ft::read_instruction_jsonl(path);
    FAIL();
  } catch (const FormatError& e) {
    EXPECT_NE(std::string(e.what()).find("bad.jsonl:2: unknown role 'robot'"), std::string::npos) << e.what();
  }
  io::write_text_atomic(path, "{\"instruction\": \"a\"}\n");
  EXPECT_THROW(ft::read_instruction_jsonl(path), FormatError);
}

TEST(FinetuneData, ChatMlEncodingAndResponseOnlyTargets) {
  auto tk = tok::Tokenizer::load("tiktoken:gpt2");
  ChatTemplate tmpl(tk);
  Conversation c = {{"system", "Be brief."}, {"user", "What is 2 + 3?"}, {"assistant", "5"},
                        {"user", "And 4 + 4?"}, {"assistant", "It is 8."}};
  EncodedChat e = tmpl.encode(c);
  std::vector<TokenId> all(e.ids.begin(), e.ids.end());
  EXPECT_EQ(tk.decode_bytes(all),
            "<|im_start|>system\nBe brief.<|im_end|>\n<|im_start|>user\nWhat is 2 + 3?<|im_end|>\n"
            "<|im_start|>assistant\n5<|im_end|>\n<|im_start|>user\nAnd 4 + 4?<|im_end|>\n"
            "<|im_start|>assistant\nIt is 8.<|im_end|>\n");
  std::vector<TokenId> trained;
  for (size_t i = 0; i < e.ids.size(); ++i)
    if (e.trained[i]) trained.push_back(e.ids[i]);
  EXPECT_EQ(tk.decode_bytes(trained), "5<|im_end|>It is 8.<|im_end|>");
  // The generation prompt is the conversation's encoding up to the reply.
  Conversation ctx(c.begin(), c.end() - 1);
  std::vector<int32_t> prompt = tmpl.prompt(ctx);
  std::vector<TokenId> pu(prompt.begin(), prompt.end());
  EXPECT_TRUE(tk.decode_bytes(all).starts_with(tk.decode_bytes(pu)));
  EXPECT_TRUE(tk.decode_bytes(pu).ends_with("<|im_start|>assistant\n"));
  EXPECT_TRUE(std::equal(prompt.begin(), prompt.end(), e.ids.begin()));

  std::vector<int32_t> x, y;
  ft::make_example(e, 1000, x, y);
  ASSERT_EQ(x.size(), e.ids.size() - 1);
  for (size_t i = 0; i < y.size(); ++i) EXPECT_EQ(y[i], e.trained[i + 1] ? e.ids[i + 1] : -100) << i;
}

TEST(FinetuneData, PromptTokensGiveExactlyZeroLossAndGradient) {
  auto tk = tok::Tokenizer::load("tiktoken:gpt2");
  ChatTemplate tmpl(tk);
  std::vector<EncodedChat> data = {tmpl.encode({{"user", "Name a colour."}, {"assistant", "Blue"}}),
                                       tmpl.encode({{"user", "Spell cat backwards, please."}, {"assistant", "tac"}})};
  Tensor x, y;
  ft::make_batch(data, {0, 1}, 64, x, y);  // (2, T), the shorter row padded with -100
  const int64_t N = x.numel(), V = 97;
  std::vector<int32_t> yv;
  for (float f : y.to_vector()) yv.push_back(int32_t(f));
  for (int32_t& t : yv)
    if (t >= 0) t %= int32_t(V);  // a small vocabulary for the logits
  Tensor targets = Tensor::from_ints(yv, {N});
  Tensor logits = Tensor::randn({N, V}, 5, 2.0f);
  logits.set_requires_grad(true);
  Tensor loss = cross_entropy(logits, targets);
  loss.backward();
  // Independent: mean over the trained rows of -log softmax, in double.
  std::vector<float> l = logits.to_vector(), g = logits.grad().to_vector();
  double sum = 0;
  int64_t n = 0;
  for (int64_t i = 0; i < N; ++i) {
    if (yv[size_t(i)] < 0) {
      for (int64_t v = 0; v < V; ++v) EXPECT_EQ(g[size_t(i * V + v)], 0.0f) << "prompt row " << i;
      continue;
    }
    double mx = -1e30, z = 0;
    for (int64_t v = 0; v < V; ++v) mx = std::max(mx, double(l[size_t(i * V + v)]));
    for (int64_t v = 0; v < V; ++v) z += std::exp(double(l[size_t(i * V + v)]) - mx);
    sum += -(double(l[size_t(i * V + yv[size_t(i)])]) - mx - std::log(z));
    ++n;
  }
  ASSERT_GT(n, 0);
  ASSERT_LT(n, N / 2) << "most positions are prompt";
  EXPECT_NEAR(loss.item(), sum / double(n), 1e-5 * sum / double(n));
}

TEST(FinetuneData, ChatTemplateIsStoredWithTheTokenizer) {
  std::string dir = test::temp_dir();
  io::write_text_atomic(dir + "/tokenizer_config.json", R"({"model_max_length": 64})");
  write_chat_template(dir);
  auto j = nlohmann::json::parse(io::read_file(dir + "/tokenizer_config.json"));
  EXPECT_EQ(j["chat_template"], kChatMlTemplate);
  EXPECT_EQ(j["model_max_length"], 64);
  EXPECT_NO_THROW(check_chat_template(dir));
  io::write_text_atomic(dir + "/tokenizer_config.json", R"({"chat_template": "{{ messages }}"})");
  EXPECT_THROW(check_chat_template(dir), FormatError);
}

TEST(FinetuneData, PackedRowsRestartPositionsAndKeepTargets) {
  auto chat = [](std::vector<int32_t> ids, std::vector<uint8_t> trained) { return EncodedChat{ids, trained}; };
  std::vector<EncodedChat> data = {chat({1, 2, 3, 4}, {0, 0, 1, 1}), chat({5, 6, 7}, {0, 1, 1}),
                                       chat({8, 9, 10, 11, 12, 13}, {0, 0, 0, 0, 1, 1})};
  Tensor x, y, pos;
  ft::make_packed_batch(data, {{0, 1}, {2}}, 6, x, y, pos);
  ASSERT_EQ(x.shape(), Shape({2, 5}));
  auto ints = [](const Tensor& t) {
    std::vector<int32_t> v;
    for (float f : t.to_vector()) v.push_back(int32_t(f));
    return v;
  };
  EXPECT_EQ(ints(x), (std::vector<int32_t>{1, 2, 3, 5, 6, 8, 9, 10, 11, 12}));
  EXPECT_EQ(ints(y), (std::vector<int32_t>{-100, 3, 4, 6, 7, -100, -100, -100, 12, 13}));
  EXPECT_EQ(ints(pos), (std::vector<int32_t>{0, 1, 2, 0, 1, 0, 1, 2, 3, 4}));
  ft::make_packed_batch(data, {{1}, {0}}, 6, x, y, pos);  // the shorter row is padded
  EXPECT_EQ(ints(pos), (std::vector<int32_t>{0, 1, 0, 0, 1, 2}));
  EXPECT_EQ(ints(y), (std::vector<int32_t>{6, 7, -100, -100, 3, 4}));
  EXPECT_THROW(ft::make_packed_batch(data, {{0, 2}}, 6, x, y, pos), Error);
}
