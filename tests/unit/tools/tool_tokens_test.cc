// The tool-call tags as special tokens and the embedding resize (tools/tool_tokens.h,
// models/resize_embeddings.h): new rows follow Hugging Face's mean_resizing rule (checked
// against tests/reference/resize_embeddings.py on the same normals, and its fallback to
// the mean); a resized model keeps every old row, so its logits over the old vocabulary
// are unchanged; the tokenizer gains the four tags as special tokens that the chat
// template emits as single tokens and decoding turns back into text; config.json,
// safetensors and GGUF loading all take the grown model; `finetune --tools` trains from it.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "infer/chat_template.h"
#include "io/atomic_file.h"
#include "models/checkpoint.h"
#include "models/resize_embeddings.h"
#include "support/oracle.h"
#include "support/scaled_model.h"
#include "tools/tool_call.h"
#include "tools/tool_tokens.h"

using namespace lmf;
using nlohmann::json;

namespace {

const std::string kBin = LMFORGE_BINARY;

double max_abs_diff(const std::vector<float>& a, const std::vector<float>& b) {
  EXPECT_EQ(a.size(), b.size());
  double m = 0;
  for (size_t i = 0; i < std::min(a.size(), b.size()); ++i) m = std::max(m, std::abs(double(a[i]) - double(b[i])));
  return m;
}

// A random ChatML model folder (Llama, untied head unless `gpt2`).
std::string make_model(const std::string& dir, bool gpt2 = false) {
  const tok::Tokenizer tk = test::chatml_test_tokenizer();
  test::write_scaled_model(dir, {.arch = gpt2 ? Arch::GPT2 : Arch::Llama, .vocab = int64_t(tk.vocab_size()), .width = 32,
                                 .layers = 1, .heads = 4, .kv_heads = gpt2 ? 4 : 2, .inner = 64, .positions = 1024,
                                 .seed = 5, .scale = 2.f},
                           tk);
  write_chat_template(dir);
  return dir;
}

Tensor logits_of(Transformer& m, const std::vector<int32_t>& ids) {
  return m.forward(Tensor::from_ints(ids, {1, int64_t(ids.size())}));
}

}  // namespace

TEST(ResizeEmbeddings, NewRowsFollowHuggingFacesMeanResizing) {
  const Tensor old = Tensor::randn({40, 6}, 3, 0.7f), z = Tensor::randn({5, 6}, 4);
  // A large epsilon makes the sampled part visible at float32 precision.
  for (double eps : {1.0, 0.01, kMeanResizeEpsilon}) {
    const auto ref = test::torch_ref("resize_embeddings", "new_rows", {{"old", old}, {"z", z}}, {{"epsilon", eps}});
    ASSERT_EQ(ref.at("pd").item(), 1.0f);
    const Tensor got = mean_resized_rows(old, z, eps);
    EXPECT_LT(test::rel_error(got, ref.at("rows")), 2e-6) << eps;
    // The rows minus the mean: the sampled part itself, scaled by sqrt(eps).
    std::vector<float> g = got.to_vector(), w = ref.at("rows").to_vector(), mean = ref.at("mean").to_vector();
    double dev = 0, err = 0;
    for (size_t i = 0; i < g.size(); ++i) {
      const double wd = double(w[i]) - mean[i % 6];
      dev = std::max(dev, std::abs(wd));
      err = std::max(err, std::abs(double(g[i]) - mean[i % 6] - wd));
    }
    EXPECT_GT(dev, 0.1 * std::sqrt(eps));
    EXPECT_LT(err / dev, eps == kMeanResizeEpsilon ? 0.05 : 1e-5) << eps;
  }
  // A constant column makes the covariance singular: every new row is the mean.
  std::vector<float> v = old.to_vector();
  for (size_t i = 0; i < v.size(); i += 6) v[i] = 0.25f;
  const Tensor flat = Tensor::from_vector(v, {40, 6});
  const auto ref = test::torch_ref("resize_embeddings", "new_rows", {{"old", flat}, {"z", z}}, {{"epsilon", 1.0}});
  EXPECT_EQ(ref.at("pd").item(), 0.0f);
  EXPECT_LT(test::rel_error(mean_resized_rows(flat, z, 1.0), ref.at("rows")), 1e-6);
  EXPECT_THROW(mean_resized_rows(old, Tensor::randn({2, 5}, 1)), ShapeError);
}

TEST(ToolTokens, AddsTheTagsAndGrowsTheModel) {
  const std::string dir = test::temp_dir(), base = make_model(dir + "/base"), out = dir + "/tools";
  const tok::Tokenizer tk0 = tok::Tokenizer::load(base);
  Transformer m0 = load_model(base);
  const int64_t V = m0.config().vocab_size;
  ASSERT_FALSE(m0.config().tie_word_embeddings);
  const tools::ToolTokensResult r = tools::add_tool_tokens(base, out, 7);
  EXPECT_EQ(r.added, 4);
  EXPECT_EQ(r.old_vocab, V);
  EXPECT_EQ(r.new_vocab, V + 4);
  EXPECT_EQ(json::parse(io::read_file(out + "/config.json"))["vocab_size"], V + 4);
  EXPECT_TRUE(has_chat_template(out));
  const tok::Tokenizer tk = tok::Tokenizer::load(out);
  int64_t id = int64_t(tk0.vocab_size());
  for (const char* tag : {tools::kToolCallOpen, tools::kToolCallClose, tools::kToolResponseOpen, tools::kToolResponseClose})
    EXPECT_EQ(tk.token_id(tag), std::optional<TokenId>(TokenId(id++))) << tag;
  EXPECT_EQ(tk.special_tokens().size(), tk0.special_tokens().size() + 4);

  // Old rows kept exactly, new rows near the mean of the old ones.
  Transformer m = load_model(out);
  for (const char* name : {"model.embed_tokens.weight", "lm_head.weight"}) {
    const Tensor a = m0.param(name), b = m.param(name);
    EXPECT_EQ(b.size(0), V + 4);
    EXPECT_EQ(max_abs_diff(a.to_vector(), b.slice(0, 0, V).contiguous().to_vector()), 0.0) << name;
    const std::vector<float> mean = mean_resized_rows(a, Tensor::zeros({1, a.size(1)})).to_vector();
    const std::vector<float> rows = b.slice(0, V, V + 4).contiguous().to_vector();
    for (size_t i = 0; i < rows.size(); ++i) EXPECT_NEAR(rows[i], mean[i % mean.size()], 1e-3) << name;
  }
  // The same prompt of old tokens: the same logits over the old vocabulary.
  const std::vector<int32_t> prompt = tk0.encode("What is 2 + 3?");
  const Tensor l0 = logits_of(m0, prompt), l1 = logits_of(m, prompt);
  EXPECT_EQ(max_abs_diff(l0.to_vector(), l1.slice(2, 0, V).contiguous().to_vector()), 0.0);

  // The chat template emits each tag as one token; decoding gives the text back.
  const Conversation c = {{"user", "2+3?"},
                          {"assistant", tools::format_tool_call("calculator", {{"expression", "2+3"}})},
                          {"tool", "<tool_response>{\"result\":\"5\"}</tool_response>"}};
  const EncodedChat e = ChatTemplate(tk).encode(c);
  const EncodedChat e0 = ChatTemplate(tk0).encode(c);
  for (int64_t t = V; t < V + 4; ++t) EXPECT_EQ(std::count(e.ids.begin(), e.ids.end(), int32_t(t)), 1) << t;
  EXPECT_EQ(tk.decode(e.ids), tk0.decode(e0.ids));
  EXPECT_LT(e.ids.size(), e0.ids.size());
  // The call's tags are trained on (assistant), the response's are not.
  for (size_t i = 0; i < e.ids.size(); ++i) {
    if (e.ids[i] >= V) EXPECT_EQ(bool(e.trained[i]), e.ids[i] < V + 2) << i;
  }

  // Again on the result: nothing to add.
  const tools::ToolTokensResult again = tools::add_tool_tokens(out, dir + "/again", 7);
  EXPECT_EQ(again.added, 0);
  EXPECT_EQ(again.new_vocab, V + 4);
  EXPECT_EQ(io::read_file(out + "/tokenizer.json"), io::read_file(dir + "/again/tokenizer.json"));
}

TEST(ToolTokens, TiedGpt2AndGgufLoading) {
  const std::string dir = test::temp_dir(), base = make_model(dir + "/base", true), out = dir + "/tools";
  Transformer m0 = load_model(base);
  const int64_t V = m0.config().vocab_size;
  ASSERT_TRUE(m0.config().tie_word_embeddings);
  tools::add_tool_tokens(base, out, 1);
  Transformer m = load_model(out);
  EXPECT_EQ(m.param("transformer.wte.weight").size(0), V + 4);
  // The tied head is the embedding: logits over the new ids exist and old ones are unchanged.
  const std::vector<int32_t> ids = {1, 2, 3, int32_t(V + 1)};
  const Tensor l = logits_of(m, ids);
  EXPECT_EQ(l.size(2), V + 4);
  // GGUF export of the grown model, and generation from it equal to the folder's.
  std::string o1, o2;  // run_command appends
  ASSERT_EQ(test::run_command(kBin + " export gguf --model " + out + " --out " + dir + "/m.gguf >/dev/null 2>&1"), 0);
  const std::string gen = " --prompt 'What is 2' --max-new-tokens 8 --temperature 0 2>/dev/null";
  ASSERT_EQ(test::run_command(kBin + " generate --model " + out + gen, &o1), 0);
  ASSERT_EQ(test::run_command(kBin + " generate --model " + dir + "/m.gguf" + gen, &o2), 0);
  EXPECT_EQ(o1, o2);
}

TEST(ToolTokens, FinetuneWithTools) {
  const std::string dir = test::temp_dir(), base = make_model(dir + "/base");
  const int64_t V = load_model(base).config().vocab_size;
  std::string out;
  ASSERT_EQ(test::run_command(kBin + " data tool-sft --out " + dir + "/data --train 8 --test 1 >/dev/null"), 0);
  const std::string ft = kBin + " finetune --model " + base + " --data " + dir + "/data/train.jsonl --steps 2 --batch 2 "
                         "--max-len 600 --quiet --tools";
  ASSERT_EQ(test::run_command(ft + " --method full --out " + dir + "/tuned 2>&1", &out), 0) << out;
  EXPECT_EQ(json::parse(io::read_file(dir + "/tuned/config.json"))["vocab_size"], V + 4);
  EXPECT_TRUE(tok::Tokenizer::load(dir + "/tuned").token_id("</tool_response>").has_value());
  EXPECT_TRUE(has_chat_template(dir + "/tuned"));
  out.clear();  // run_command appends
  ASSERT_EQ(test::run_command("printf '1+2?\\n' | " + kBin + " chat --model " + dir +
                                  "/tuned --tools calculator --temperature 0 --max-new-tokens 4 --json 2>/dev/null",
                              &out),
            0);
  EXPECT_TRUE(json::parse(out).contains("reply")) << out;
  // PEFT methods cannot train new token rows.
  out.clear();
  EXPECT_NE(test::run_command(ft + " --method lora --out " + dir + "/lora 2>&1", &out), 0);
  EXPECT_NE(out.find("--method full"), std::string::npos) << out;
}
