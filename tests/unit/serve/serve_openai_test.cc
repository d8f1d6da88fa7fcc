// lmforge serve through the official `openai` npm client (tests/reference/openai_client.js)
// on 127.0.0.1, with the chat model of the fine-tuning tests:
//   - the models list names the base model;
//   - greedy chat (plain and streamed) equals `lmforge generate --chat --temperature 0`, and
//     greedy completions equal `lmforge generate --temperature 0`, token for token;
//   - echoed prompt log-probabilities (a prompt of two prefill chunks, plain and streamed)
//     equal PyTorch's log-softmax of the reference forward pass (tests/reference/models.py);
//   - embeddings equal the reference mean-pooled, normalised last hidden states, and the
//     base64 encoding decodes to the same floats;
//   - 8 concurrent greedy streams equal the same prompts run one at a time (batching changes
//     nothing), and equal `lmforge generate`;
//   - 50 sampled json_schema replies all parse and validate (Python's jsonschema).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/finetune_base.h"
#include "support/oracle.h"
#include "support/serve_process.h"
#include "tokenizer/tokenizer.h"

using namespace lmf;
using nlohmann::json;

namespace {

std::string generate_text(const std::string& model, const std::string& prompt, int n, bool chat) {
  std::string out;
  const std::string cmd = std::string(LMFORGE_BINARY) + " generate --model '" + model + "' --prompt '" + prompt +
                          "' --temperature 0 --max-new-tokens " + std::to_string(n) + (chat ? " --chat" : "");
  EXPECT_EQ(test::run_command(cmd, &out), 0) << cmd;
  if (!out.empty() && out.back() == '\n') out.pop_back();  // generate ends its output with a newline
  return out;
}

// 110 bytes, 110 ids of the byte tokenizer: two prefill chunks of 64 positions.
const char* kEchoPrompt =
    "What is 5 + 6? The answer is 11. What is 12 + 30? The answer is 42. What is 7 + 9? The answer is 16. What is 4";

}  // namespace

TEST(ServeOpenAi, ClientSeesWhatGenerateAndTheReferenceSee) {
  const std::string model = test::finetune_base().model_dir;
  test::ServeProcess server({"--model", model, "--parallel", "8", "--alias", "arith"});
  const std::vector<std::string> prompts = {"What is 3 + 4?", "What is 12 + 30?", "Name", "The", "What is 7 + 9?",
                                            "Be brief.", "What is 40 + 2?", "x"};
  const json schema = {{"type", "object"},
                       {"properties",
                        {{"answer", {{"type", "integer"}}},
                         {"words", {{"type", "array"}, {"items", {{"type", "string"}, {"maxLength", 6}}}, {"maxItems", 3}}},
                         {"sure", {{"type", "boolean"}}},
                         {"kind", {{"enum", json::array({"sum", "difference", nullptr})}}}}},
                       {"required", json::array({"answer", "kind"})},
                       {"additionalProperties", false}};
  const json spec = {{"url", server.url()}, {"model", "arith"}, {"chat_prompt", "What is 23 + 9?"},
                     {"completion_prompt", "What is 5 + 6? The answer"}, {"echo_prompt", kEchoPrompt},
                     {"concurrent_prompts", prompts},
                     {"max_tokens", 24}, {"schema", schema}, {"schema_samples", 50}, {"schema_max_tokens", 60}};
  const std::string spec_path = test::temp_dir() + "/spec.json";
  std::ofstream(spec_path) << spec.dump();
  std::string out;
  ASSERT_EQ(test::run_command("node " + test::source_path("tests/reference/openai_client.js") + " " + spec_path, &out), 0)
      << out << "\n" << server.log();
  const json r = json::parse(out);

  EXPECT_EQ(r["models"], json::array({"arith"}));
  // Chat, plain and streamed, against generate --chat.
  const std::string want_chat = generate_text(model, "What is 23 + 9?", 24, true);
  EXPECT_EQ(r["chat"]["text"], want_chat);
  EXPECT_EQ(r["chat"]["object"], "chat.completion");
  EXPECT_EQ(r["chat_stream"]["text"], want_chat);
  EXPECT_GT(r["chat_stream"]["chunks"].get<int>(), 1);  // streamed piece by piece
  EXPECT_EQ(r["chat_stream"]["finish"], r["chat"]["finish"]);
  EXPECT_EQ(r["chat_stream"]["usage"], r["chat"]["usage"]);
  // Completions against generate (the same encoding of the prompt).
  EXPECT_EQ(r["completion"]["text"], generate_text(model, "What is 5 + 6? The answer", 24, false));
  const tok::Tokenizer tk = tok::Tokenizer::load(model + "/tokenizer.json");
  const std::vector<TokenId> ids = tk.encode("What is 5 + 6? The answer");
  EXPECT_EQ(r["completion"]["usage"]["prompt_tokens"], ids.size());

  // Echoed prompt log-probabilities against PyTorch (a prompt longer than one prefill chunk).
  EXPECT_EQ(r["echo"]["text"], kEchoPrompt);
  const std::vector<TokenId> echo_ids = tk.encode(kEchoPrompt);
  ASSERT_GT(echo_ids.size(), 64u);
  ASSERT_EQ(r["echo"]["token_logprobs"].size(), echo_ids.size());
  EXPECT_TRUE(r["echo"]["token_logprobs"][0].is_null());
  // Streamed with 3 more tokens: the same text, log-probabilities and offsets as in one
  // response, whose prompt part is the echo's.
  EXPECT_EQ(r["echo_stream"]["text"], r["echo3"]["text"]);
  EXPECT_EQ(r["echo_stream"]["token_logprobs"], r["echo3"]["token_logprobs"]);
  EXPECT_EQ(r["echo_stream"]["text_offset"], r["echo3"]["text_offset"]);
  ASSERT_EQ(r["echo3"]["token_logprobs"].size(), r["echo"]["token_logprobs"].size() + 3);
  for (size_t i = 0; i < r["echo"]["token_logprobs"].size(); ++i)
    EXPECT_EQ(r["echo3"]["token_logprobs"][i], r["echo"]["token_logprobs"][i]) << "prompt token " << i;
  for (size_t i = 1; i < r["echo3"]["text_offset"].size(); ++i)
    EXPECT_GT(r["echo3"]["text_offset"][i].get<int64_t>(), r["echo3"]["text_offset"][i - 1].get<int64_t>());
  {
    Tensor in = Tensor::from_ints(std::vector<int32_t>(echo_ids.begin(), echo_ids.end()), {1, int64_t(echo_ids.size())});
    test::TensorMap ref = test::torch_ref("models", "logits", {{"ids", in}}, {{"dir", model}});
    Tensor logits = ref.at("logits").contiguous();  // (1, T, V)
    const int64_t V = logits.size(2);
    for (size_t i = 1; i < echo_ids.size(); ++i) {
      const float* row = logits.f32() + int64_t(i - 1) * V;
      double mx = row[0], sum = 0;
      for (int64_t v = 0; v < V; ++v) mx = std::max(mx, double(row[v]));
      for (int64_t v = 0; v < V; ++v) sum += std::exp(double(row[v]) - mx);
      const double want = double(row[echo_ids[i]]) - mx - std::log(sum);
      ASSERT_TRUE(r["echo"]["token_logprobs"][i].is_number()) << "prompt token " << i;
      EXPECT_NEAR(r["echo"]["token_logprobs"][i].get<double>(), want, 1e-4) << "prompt token " << i;
    }
  }
  Tensor in = Tensor::from_ints(std::vector<int32_t>(ids.begin(), ids.end()), {1, int64_t(ids.size())});

  // Embeddings against the reference pooled hidden states; base64 decodes to the same values.
  Tensor want_emb = test::torch_ref("models", "embedding", {{"ids", in}}, {{"dir", model}}).at("embedding").contiguous();
  ASSERT_EQ(int64_t(r["embeddings"][0].size()), want_emb.numel());
  for (int64_t c = 0; c < want_emb.numel(); ++c) {
    EXPECT_NEAR(r["embeddings"][0][size_t(c)].get<double>(), want_emb.f32()[c], 1e-4) << "dimension " << c;
    EXPECT_EQ(r["embedding_base64"][size_t(c)].get<float>(), r["embeddings"][0][size_t(c)].get<float>());
  }
  EXPECT_EQ(r["embeddings"].size(), 2u);

  // Batching changes nothing: concurrent streams equal one-at-a-time and generate.
  ASSERT_EQ(r["concurrent"].size(), prompts.size());
  for (size_t i = 0; i < prompts.size(); ++i) {
    EXPECT_EQ(r["concurrent"][i], r["single"][i]) << "prompt '" << prompts[i] << "'";
    if (i < 3) EXPECT_EQ(r["single"][i], generate_text(model, prompts[i], 24, false)) << "prompt '" << prompts[i] << "'";
  }

  // Structured output: every sampled document parses and validates.
  ASSERT_EQ(r["schema_documents"].size(), 50u);
  const std::string check_path = test::temp_dir() + "/docs.json";
  std::ofstream(check_path) << json{{"schema", schema}, {"documents", r["schema_documents"]}}.dump();
  std::string verdicts;
  ASSERT_EQ(test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/json_schema_validate.py") + " " +
                                  check_path, &verdicts), 0);
  const json v = json::parse(verdicts);
  for (size_t i = 0; i < v.size(); ++i) EXPECT_EQ(v[i], "") << r["schema_documents"][i];
}
