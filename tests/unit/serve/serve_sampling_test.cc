// lmforge serve's per-request options, on the chat model of the fine-tuning tests with a
// LoRA adapter served beside it:
//   - an adapter is its own model id (BASE:NAME); its greedy replies equal
//     `lmforge generate --adapter`, also while base requests run in the same steps;
//   - chat logprobs: each token's log-probability and top_logprobs equal PyTorch's
//     log-softmax over the prompt and the reply so far;
//   - n choices, stop strings, seeds (the same seed gives the same sample), presence and
//     frequency penalties (they change a greedy reply that repeats);
//   - a conversation that continues the previous request reuses its cached prefix
//     (lmforge_prompt_tokens_cached_total) and still gives the reply a fresh slot gives.
#include <gtest/gtest.h>
#include <httplib.h>

#include <cmath>
#include <future>
#include <nlohmann/json.hpp>

#include "finetune/peft.h"
#include "infer/chat_template.h"
#include "models/checkpoint.h"
#include "support/finetune_base.h"
#include "support/oracle.h"
#include "support/serve_process.h"
#include "tokenizer/tokenizer.h"

using namespace lmf;
using nlohmann::json;

namespace {

std::string run_generate(const std::string& args) {
  std::string out;
  EXPECT_EQ(test::run_command(std::string(LMFORGE_BINARY) + " generate " + args, &out), 0) << args;
  if (!out.empty() && out.back() == '\n') out.pop_back();
  return out;
}

json post(int port, const std::string& path, const json& body) {
  httplib::Client c("127.0.0.1", port);
  c.set_read_timeout(120, 0);
  auto r = c.Post(path.c_str(), body.dump(), "application/json");
  EXPECT_TRUE(r && r->status == 200) << (r ? r->body : std::string("no response"));
  return r ? json::parse(r->body) : json();
}

// A LoRA adapter with random (non-zero) B on the fine-tuning base, saved once.
std::string lora_dir(const std::string& model_dir) {
  const std::string dir = test::temp_dir() + "/tuned";
  Transformer model = load_model(model_dir);
  ft::PeftOptions po;
  po.method = "lora";
  po.rank = 4;
  auto m = ft::create_method(model, po);
  uint64_t seed = 21;
  for (const auto& [name, t] : m->tensors()) Tensor(t).copy_from(Tensor::randn(t.shape(), seed++, 0.3f));
  ft::save_adapter(*m, dir);
  return dir;
}

json chat_body(const std::string& model, const std::string& user, int max_tokens) {
  return {{"model", model}, {"messages", {{{"role", "user"}, {"content", user}}}}, {"temperature", 0}, {"max_tokens", max_tokens}};
}

}  // namespace

TEST(ServeSampling, AdaptersLogprobsChoicesStopsPenaltiesAndReuse) {
  const std::string model = test::finetune_base().model_dir;
  const std::string adapter = lora_dir(model);
  test::ServeProcess server({"--model", model, "--alias", "arith", "--adapter", "tuned=" + adapter, "--parallel", "4"});
  const int port = server.port();

  // Models: the base and the adapter.
  httplib::Client c("127.0.0.1", port);
  json models = json::parse(c.Get("/v1/models")->body);
  ASSERT_EQ(models["data"].size(), 2u);
  EXPECT_EQ(models["data"][1]["id"], "arith:tuned");

  // The adapter's greedy reply equals generate --adapter, alone and beside base requests.
  const std::string q = "What is 14 + 5?";
  const std::string want_tuned = run_generate("--model '" + model + "' --adapter '" + adapter + "' --chat --prompt '" + q +
                                              "' --temperature 0 --max-new-tokens 20");
  const std::string want_base =
      run_generate("--model '" + model + "' --chat --prompt '" + q + "' --temperature 0 --max-new-tokens 20");
  EXPECT_NE(want_tuned, want_base);  // the adapter changes the model
  std::vector<std::future<json>> both;
  for (int i = 0; i < 4; ++i)
    both.push_back(std::async(std::launch::async, [&, i] {
      return post(port, "/v1/chat/completions", chat_body(i % 2 ? "arith" : "arith:tuned", q, 20));
    }));
  for (int i = 0; i < 4; ++i) {
    json r = both[size_t(i)].get();
    EXPECT_EQ(r["choices"][0]["message"]["content"], i % 2 ? want_base : want_tuned) << "request " << i;
    EXPECT_EQ(r["model"], i % 2 ? "arith" : "arith:tuned");
  }

  // Chat logprobs against PyTorch over the prompt and the reply so far.
  json lb = chat_body("arith", q, 6);
  lb["logprobs"] = true;
  lb["top_logprobs"] = 3;
  json lr = post(port, "/v1/chat/completions", lb);
  const json& content = lr["choices"][0]["logprobs"]["content"];
  const tok::Tokenizer tk = tok::Tokenizer::load(model + "/tokenizer.json");
  std::vector<TokenId> ids = ChatTemplate(tk).prompt({{"user", q}});
  const size_t prompt_len = ids.size();
  ASSERT_GE(content.size(), 1u);
  for (const json& t : content) {  // byte tokens: each token's bytes give its id
    ASSERT_EQ(t["bytes"].size(), 1u) << t.dump();
    ids.push_back(TokenId(t["bytes"][0].get<int>()));
  }
  Tensor in = Tensor::from_ints(std::vector<int32_t>(ids.begin(), ids.end()), {1, int64_t(ids.size())});
  Tensor logits = test::torch_ref("models", "logits", {{"ids", in}}, {{"dir", model}}).at("logits").contiguous();
  const int64_t V = logits.size(2);
  for (size_t k = 0; k < content.size(); ++k) {
    const float* row = logits.f32() + int64_t(prompt_len + k - 1) * V;
    double mx = row[0], sum = 0;
    for (int64_t v = 0; v < V; ++v) mx = std::max(mx, double(row[v]));
    for (int64_t v = 0; v < V; ++v) sum += std::exp(double(row[v]) - mx);
    auto lp = [&](int64_t id) { return double(row[id]) - mx - std::log(sum); };
    EXPECT_NEAR(content[k]["logprob"].get<double>(), lp(ids[prompt_len + k]), 1e-4) << "token " << k;
    ASSERT_EQ(content[k]["top_logprobs"].size(), 3u);
    double best = -1e30;
    for (int64_t v = 0; v < V; ++v) best = std::max(best, lp(v));
    EXPECT_NEAR(content[k]["top_logprobs"][0]["logprob"].get<double>(), best, 1e-4) << "token " << k;
  }

  // n choices with a seed: three samples; the same seed again gives the same three.
  json nb = chat_body("arith", q, 12);
  nb["temperature"] = 1.5;
  nb["n"] = 3;
  nb["seed"] = 7;
  json n1 = post(port, "/v1/chat/completions", nb), n2 = post(port, "/v1/chat/completions", nb);
  ASSERT_EQ(n1["choices"].size(), 3u);
  for (size_t i = 0; i < 3; ++i) {
    EXPECT_EQ(n1["choices"][i]["index"], i);
    EXPECT_EQ(n1["choices"][i]["message"]["content"], n2["choices"][i]["message"]["content"]);
  }
  EXPECT_EQ(n1["usage"]["prompt_tokens"], lr["usage"]["prompt_tokens"]);  // the prompt counts once

  // A stop string: the text ends before it, finish_reason "stop".
  const std::string full = want_base;
  ASSERT_GE(full.size(), 4u);
  json sb = chat_body("arith", q, 20);
  sb["stop"] = full.substr(2, 2);
  json sr = post(port, "/v1/chat/completions", sb);
  EXPECT_EQ(sr["choices"][0]["message"]["content"], full.substr(0, full.find(full.substr(2, 2))));
  EXPECT_EQ(sr["choices"][0]["finish_reason"], "stop");

  // Penalties: a greedy completion that repeats changes under a frequency penalty.
  json pb = {{"model", "arith"}, {"prompt", "7 7 7 7 7 7 7"}, {"temperature", 0}, {"max_tokens", 24}};
  json plain = post(port, "/v1/completions", pb);
  pb["frequency_penalty"] = 2.0;
  pb["presence_penalty"] = 2.0;
  json penalised = post(port, "/v1/completions", pb);
  EXPECT_NE(plain["choices"][0]["text"], penalised["choices"][0]["text"]);

  // Reuse: a conversation of more than one chunk, then its continuation.
  std::string longq;
  for (int i = 0; i < 6; ++i) longq += "What is " + std::to_string(i) + " + 1? ";
  json first = post(port, "/v1/completions", {{"model", "arith"}, {"prompt", longq}, {"temperature", 0}, {"max_tokens", 8}});
  const std::string cont = longq + first["choices"][0]["text"].get<std::string>() + " And 2 + 2?";
  json again = post(port, "/v1/completions", {{"model", "arith"}, {"prompt", cont}, {"temperature", 0}, {"max_tokens", 8}});
  auto cached = [&] {
    const std::string m = c.Get("/metrics")->body;
    const size_t at = m.find("\nlmforge_prompt_tokens_cached_total ");
    return at == std::string::npos ? -1 : std::stoll(m.substr(at + 36));
  };
  EXPECT_GE(cached(), 64);
  EXPECT_EQ(again["choices"][0]["text"], run_generate("--model '" + model + "' --prompt '" + cont +
                                                      "' --temperature 0 --max-new-tokens 8"));
}
