// The sampler's distribution equals Hugging Face's logits processors (PyTorch reference),
// greedy picks the argmax, and draws follow the distribution and the seed.
#include <gtest/gtest.h>

#include "infer/stop_matcher.h"
#include "infer/sampler.h"
#include "support/oracle.h"

using namespace lmf;

TEST(Sampler, DistributionMatchesReferenceProcessors) {
  const int64_t V = 37;
  Tensor logits = Tensor::randn({V}, 3, 2.0f);
  std::vector<int32_t> history = {1, 5, 5, 9, 30};
  struct Case { float temp; int k; float p, minp, pen; };
  for (Case c : {Case{1.0f, 0, 1.0f, 0.0f, 1.0f}, Case{0.7f, 5, 1.0f, 0.0f, 1.0f}, Case{1.3f, 0, 0.8f, 0.0f, 1.0f},
                 Case{1.0f, 0, 1.0f, 0.1f, 1.0f}, Case{0.9f, 10, 0.9f, 0.05f, 1.3f}}) {
    SamplingOptions o;
    o.temperature = c.temp;
    o.top_k = c.k;
    o.top_p = c.p;
    o.min_p = c.minp;
    o.repetition_penalty = c.pen;
    Sampler s(o);
    std::vector<double> got = s.distribution(logits.f32(), V, history);
    auto ref = test::torch_ref("sampling", "distribution",
                               {{"logits", logits}, {"history", Tensor::from_ints(history, {5})}},
                               {{"temperature", c.temp}, {"top_k", c.k}, {"top_p", c.p}, {"min_p", c.minp},
                                {"repetition_penalty", c.pen}});
    std::vector<float> want = ref.at("probs").to_vector();
    for (int64_t i = 0; i < V; ++i) EXPECT_NEAR(got[size_t(i)], want[size_t(i)], 1e-6) << "token " << i << " temp " << c.temp;
  }
}

TEST(Sampler, GreedyAndSeededDraws) {
  std::vector<float> logits = {0.1f, 2.0f, -1.0f, 1.9f};
  SamplingOptions g;
  g.temperature = 0;
  EXPECT_EQ(Sampler(g).sample(logits.data(), 4, {}), 1);
  SamplingOptions o;
  o.seed = 42;
  Sampler a(o), b(o);
  std::vector<int> counts(4, 0);
  for (int i = 0; i < 4000; ++i) {
    int32_t x = a.sample(logits.data(), 4, {});
    EXPECT_EQ(x, b.sample(logits.data(), 4, {}));
    counts[size_t(x)]++;
  }
  std::vector<double> p = Sampler(o).distribution(logits.data(), 4, {});
  for (int i = 0; i < 4; ++i) EXPECT_NEAR(counts[size_t(i)] / 4000.0, p[size_t(i)], 0.03) << i;
}

TEST(StopMatcher, HoldsBackPossiblePrefixes) {
  StopMatcher m({"\nUser:"});
  std::string shown = m.feed("Hello");
  shown += m.feed(" world\nUs");
  EXPECT_FALSE(m.stopped());
  shown += m.feed("er: more");
  EXPECT_TRUE(m.stopped());
  EXPECT_EQ(shown, "Hello world");
  StopMatcher n({"END"});
  std::string t = n.feed("abcEN");
  t += n.feed("x");
  t += n.flush();
  EXPECT_EQ(t, "abcENx");
}
