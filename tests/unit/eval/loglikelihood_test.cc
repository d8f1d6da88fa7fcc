// Log-likelihood scoring (eval/loglikelihood.h) against the harness's definitions written
// in Python over the float64 PyTorch reference model (tests/reference/harness_ll.py):
//   - every (context, continuation) log-likelihood and greedy flag equals the reference's
//     on the tokens of the harness's pair encoding, to 1e-4, for GPT-2 and Llama, with a
//     context too long for the model (left truncation) among them;
//   - choices that share a context are prefilled once, and give what a full forward pass of
//     each whole sequence gives;
//   - rolling log-likelihoods over several windows equal the reference's, and the windows
//     are those of the harness's docstring example;
//   - the whitespace rule and the missing-prefix-token error.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "core/autograd.h"
#include "eval/loglikelihood.h"
#include "models/checkpoint.h"
#include "support/oracle.h"
#include "support/tiny_models.h"
#include "tokenizer/trainer.h"

using namespace lmf;
using nlohmann::json;

namespace {

constexpr const char* kCorpus =
    "The cat sat on the mat. The dog sat on the log. A bird sang in the tree.\n"
    "Question: what sat on the mat? Answer: the cat.\nQuestion: what sang? Answer: a bird.\n"
    "The quick brown fox jumps over the lazy dog. Spam or ham: ham.\n";

tok::Tokenizer small_tokenizer() {
  tok::TrainerOptions o;
  o.vocab_size = 300;
  o.special_tokens = {"<|endoftext|>"};
  o.pattern = tok::builtin_pattern("gpt2");
  o.min_frequency = 1;
  o.threads = 1;
  return tok::train_bpe_texts({kCorpus, kCorpus}, o);
}

// A model directory with random weights (written by the reference) and the tokenizer.
std::string model_dir(const json& cfg, const tok::Tokenizer& tk) {
  const std::string dir = test::temp_dir() + "/model";
  test::torch_ref("models", "write_checkpoint", {{"dummy", Tensor::zeros({1})}}, {{"dir", dir}, {"config", cfg}, {"seed", 5}});
  tk.save_json(dir + "/tokenizer.json");
  return dir;
}

// The harness's pair encoding, restated from its definition.
std::pair<std::vector<TokenId>, std::vector<TokenId>> harness_pair(const tok::Tokenizer& tk, std::string ctx,
                                                                   std::string cont) {
  size_t keep = ctx.size();
  while (keep > 0 && std::isspace(uint8_t(ctx[keep - 1]))) --keep;
  cont = ctx.substr(keep) + cont;
  ctx = ctx.substr(0, keep);
  std::vector<TokenId> whole = tk.encode(ctx + cont), c = tk.encode(ctx);
  return {c, std::vector<TokenId>(whole.begin() + int64_t(c.size()), whole.end())};
}

json ids_json(const std::vector<TokenId>& v) { return json(std::vector<int64_t>(v.begin(), v.end())); }

const std::vector<eval::LoglikelihoodRequest> kRequests = {
    {"Question: what sat on the mat? Answer:", " the cat"},
    {"Question: what sat on the mat? Answer:", " the dog"},
    {"Question: what sat on the mat? Answer:", " a bird sang"},
    {"Spam or ham: ", "ham"},  // trailing space moves to the continuation
    {"Spam or ham: ", "spam"},
    {"The quick brown fox jumps over the lazy dog. The cat sat on the mat. The dog", " sat on the log."},
    {"The", " cat"},
};

class Loglikelihood : public ::testing::TestWithParam<std::string> {};

}  // namespace

TEST_P(Loglikelihood, EqualsTheHarnessOnTheReferenceModel) {
  const tok::Tokenizer tk = small_tokenizer();
  const json cfg = GetParam() == "gpt2" ? test::tiny_gpt2_config({.vocab = 320, .positions = 16})
                                        : test::tiny_llama_config({.vocab = 320, .positions = 16});
  const std::string dir = model_dir(cfg, tk);
  Transformer model = load_model(dir);
  eval::LoglikelihoodScorer scorer(model, tk);
  EXPECT_EQ(scorer.max_length(), 16);
  EXPECT_EQ(scorer.prefix(), *tk.eot_id());

  const std::vector<eval::LoglikelihoodResult> got = scorer.loglikelihood(kRequests);
  EXPECT_EQ(scorer.prefills(), 3) << "one prefill per context that fits: 4 contexts, the long one runs alone";

  json reqs = json::array();
  bool long_one = false;
  for (const auto& r : kRequests) {
    auto [c, k] = harness_pair(tk, r.context, r.continuation);
    long_one = long_one || int64_t(c.size() + k.size()) > 17;
    reqs.push_back({ids_json(c), ids_json(k)});
  }
  ASSERT_TRUE(long_one) << "the fixture must hold a request longer than the model's context";
  test::TensorMap want = test::torch_ref("harness_ll", "loglikelihood", {{"dummy", Tensor::zeros({1})}},
                                         {{"dir", dir}, {"max_length", 16}, {"requests", reqs}});
  ASSERT_EQ(got.size(), kRequests.size());
  for (size_t i = 0; i < got.size(); ++i) {
    EXPECT_NEAR(got[i].logprob, want.at("logprob").f32()[i], 1e-4) << "request " << i;
    EXPECT_EQ(got[i].is_greedy, want.at("greedy").f32()[i] > 0.5) << "request " << i;
  }

  // KV reuse changes nothing: each request as one full forward pass of context + continuation.
  autograd::NoGradGuard ng;
  const int64_t V = cfg["vocab_size"];
  for (size_t i = 0; i + 1 < kRequests.size(); ++i) {
    if (i == 5) continue;  // the truncated one has its own forward already
    auto [c, k] = harness_pair(tk, kRequests[i].context, kRequests[i].continuation);
    std::vector<int32_t> all(c.begin(), c.end());
    all.insert(all.end(), k.begin(), k.end());
    all.pop_back();
    Tensor logits = model.forward(Tensor::from_ints(all, {1, int64_t(all.size())})).contiguous();
    double sum = 0;
    for (size_t j = 0; j < k.size(); ++j) {
      const float* row = logits.f32() + int64_t(c.size() - 1 + j) * V;
      double mx = row[0], z = 0;
      for (int64_t v = 0; v < V; ++v) mx = std::max(mx, double(row[v]));
      for (int64_t v = 0; v < V; ++v) z += std::exp(double(row[v]) - mx);
      sum += double(row[k[j]]) - mx - std::log(z);
    }
    EXPECT_NEAR(got[i].logprob, sum, 1e-5) << "request " << i;
  }

  // Rolling: texts of one, two and several windows.
  const std::vector<std::string> texts = {"The cat.", "The cat sat on the mat. The dog sat on the log.",
                                          std::string(kCorpus).substr(0, 200)};
  const std::vector<double> rolled = scorer.loglikelihood_rolling(texts);
  json toks = json::array();
  for (const auto& t : texts) toks.push_back(ids_json(tk.encode(t)));
  ASSERT_GT(tk.encode(texts[2]).size(), 40u);
  test::TensorMap want_r = test::torch_ref("harness_ll", "rolling", {{"dummy", Tensor::zeros({1})}},
                                           {{"dir", dir}, {"max_length", 16}, {"prefix", *tk.eot_id()}, {"texts", toks}});
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_NEAR(rolled[i], want_r.at("logprob").f32()[i], 1e-4) << "text " << i;
}

INSTANTIATE_TEST_SUITE_P(Families, Loglikelihood, ::testing::Values("gpt2", "llama"));

TEST(LoglikelihoodWindows, HarnessDocstringExample) {
  // lm_eval LM.loglikelihood_rolling: tokens 0..9, prefix P, context 4 → inputs
  // [P 0 1 2] predicting 0 1 2 3, [3 4 5 6] predicting 4 5 6 7, [5 6 7 8] predicting 8 9.
  const TokenId P = 99;
  std::vector<TokenId> t = {0, 1, 2, 3, 4, 5, 6, 7, 8, 9};
  auto w = eval::rolling_token_windows(t, P, 4, 1);
  ASSERT_EQ(w.size(), 3u);
  EXPECT_EQ(w[0].context, (std::vector<TokenId>{P}));
  EXPECT_EQ(w[0].prediction, (std::vector<TokenId>{0, 1, 2, 3}));
  EXPECT_EQ(w[1].context, (std::vector<TokenId>{3}));
  EXPECT_EQ(w[1].prediction, (std::vector<TokenId>{4, 5, 6, 7}));
  EXPECT_EQ(w[2].context, (std::vector<TokenId>{5, 6, 7}));
  EXPECT_EQ(w[2].prediction, (std::vector<TokenId>{8, 9}));
  // get_rolling_token_windows' own example: max_seq_len 3, context_len 2.
  auto v = eval::rolling_token_windows(std::vector<TokenId>(t.begin(), t.begin() + 9), P, 3, 2);
  ASSERT_EQ(v.size(), 4u);
  EXPECT_EQ(v[1].prediction, (std::vector<TokenId>{3, 4}));
  EXPECT_EQ(v[3].prediction, (std::vector<TokenId>{7, 8}));
  EXPECT_EQ(v[3].context, (std::vector<TokenId>{5, 6}));
  EXPECT_TRUE(eval::rolling_token_windows({}, P, 4, 1).empty());
}

TEST(LoglikelihoodPairs, WhitespaceMovesToTheContinuation) {
  const tok::Tokenizer tk = small_tokenizer();
  auto p = eval::encode_pair(tk, "Answer: \n", "the cat", 0);
  EXPECT_EQ(tk.decode(p.context), "Answer:");
  EXPECT_EQ(tk.decode(p.continuation), " \nthe cat");
  auto e = eval::encode_pair(tk, "", "the cat", 7);
  EXPECT_EQ(e.context, (std::vector<TokenId>{7}));
  EXPECT_EQ(e.continuation, tk.encode("the cat"));
  EXPECT_EQ(eval::rstrip_length("a\xc2\xa0 \t"), 1u);  // U+00A0 is whitespace to Python
  EXPECT_EQ(eval::rstrip_length("ab\xe2\x80\x83"), 2u);  // U+2003 EM SPACE
  EXPECT_EQ(eval::rstrip_length("ab\xc3\xa9"), 4u);      // é is not
}

TEST(LoglikelihoodPairs, TokenizerWithoutPrefixTokenIsAnError) {
  std::vector<std::string> bytes;
  for (int i = 0; i < 256; ++i) bytes.push_back(std::string(1, char(i)));
  const tok::Tokenizer bare = tok::Tokenizer::from_merges(bytes, {}, {}, tok::builtin_pattern("gpt2"), "bare-bytes");
  ModelConfig cfg;
  try {
    eval::prefix_token(bare, cfg);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("bare-bytes"), std::string::npos) << e.what();
  }
  cfg.bos_token_id = 3;
  EXPECT_EQ(eval::prefix_token(bare, cfg), 3);
}
