// The harness's metrics (eval/metrics.h) against tests/reference/harness_metrics.py, a
// Python implementation of lm_eval/api/metrics.py and process_results, on the same
// log-likelihoods: acc, acc_norm, exact_match per document, their means and sample
// standard errors; perplexity and its bootstrap standard error (Python's own
// random.Random draws); word and byte perplexity and bits per byte. And PyRandom against
// CPython's random module.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "eval/metrics.h"
#include "eval/py_random.h"
#include "support/oracle.h"

using namespace lmf;
using nlohmann::json;

namespace {

json run_reference(const json& spec) {
  const std::string path = test::temp_dir() + "/spec.json";
  std::ofstream(path) << spec.dump();
  std::string out;
  EXPECT_EQ(test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/harness_metrics.py") + " " + path, &out), 0);
  return json::parse(out);
}

void expect_rel(double got, double want, double tol, const std::string& what) {
  EXPECT_LE(std::abs(got - want), tol * std::max(1.0, std::abs(want))) << what << ": " << got << " vs " << want;
}

}  // namespace

TEST(EvalMetrics, MultipleChoiceEqualsTheHarness) {
  std::mt19937 gen(3);
  std::normal_distribution<double> ll(-8.0, 3.0);
  const std::vector<std::string> pool = {"cat", "a dog", "\xc3\xa9l\xc3\xa8ve", "x", "the longest choice here", "\xe6\x97\xa5\xe6\x9c\xac"};
  json mc = json::array();
  std::vector<eval::ChoiceScores> got;
  for (int d = 0; d < 40; ++d) {
    std::vector<double> lls;
    std::vector<bool> greedy;
    std::vector<std::string> choices;
    for (int c = 0; c < 4; ++c) {
      lls.push_back(ll(gen));
      greedy.push_back(gen() % 3 == 0);
      choices.push_back(pool[gen() % pool.size()]);
    }
    if (d == 0) lls[2] = lls[1];  // a tie: the first maximum wins
    const int64_t gold = int64_t(gen() % 4);
    got.push_back(eval::score_choices(lls, greedy, choices, gold));
    mc.push_back({{"lls", lls}, {"greedy", greedy}, {"choices", choices}, {"gold", gold}});
  }
  const json want = run_reference({{"mc", mc}});
  std::vector<double> acc, norm, em;
  for (size_t d = 0; d < got.size(); ++d) {
    EXPECT_EQ(got[d].acc, want["per_doc"]["acc"][d].get<double>()) << "doc " << d;
    EXPECT_EQ(got[d].acc_norm, want["per_doc"]["acc_norm"][d].get<double>()) << "doc " << d;
    EXPECT_EQ(got[d].exact_match, want["per_doc"]["exact_match"][d].get<double>()) << "doc " << d;
    acc.push_back(got[d].acc), norm.push_back(got[d].acc_norm), em.push_back(got[d].exact_match);
  }
  // The fixture separates acc from acc_norm on some document.
  EXPECT_NE(want["per_doc"]["acc"], want["per_doc"]["acc_norm"]);
  expect_rel(eval::mean(acc), want["acc"], 1e-12, "acc");
  expect_rel(eval::mean_stderr(acc), want["acc_stderr"], 1e-12, "acc_stderr");
  expect_rel(eval::mean(norm), want["acc_norm"], 1e-12, "acc_norm");
  expect_rel(eval::mean_stderr(norm), want["acc_norm_stderr"], 1e-12, "acc_norm_stderr");
  expect_rel(eval::mean(em), want["exact_match"], 1e-12, "exact_match");
  expect_rel(eval::mean_stderr(em), want["exact_match_stderr"], 1e-12, "exact_match_stderr");
  EXPECT_TRUE(std::isnan(eval::mean_stderr({1.0})));
}

TEST(EvalMetrics, PerplexitiesEqualTheHarness) {
  std::mt19937 gen(8);
  std::normal_distribution<double> ll(-3.0, 1.0);
  std::vector<double> lls;
  json ll_items = json::array();
  for (int i = 0; i < 30; ++i) {
    lls.push_back(ll(gen));
    ll_items.push_back({lls.back(), true});
  }
  const std::vector<std::string> texts = {"The cat sat.", "  leading and trailing  ", "caf\xc3\xa9 na\xc3\xafve\tword\n\nnext",
                                          "one", "\xe6\x97\xa5\xe6\x9c\xac\xe8\xaa\x9e\xe3\x80\x80text"};
  json rolling = json::array();
  std::vector<eval::Weighted> words, bytes;
  for (const auto& t : texts) {
    const double x = -40.0 * double(t.size()) / 10.0 + ll(gen);
    rolling.push_back({x, t});
    words.push_back({x, double(eval::count_words(t))});
    bytes.push_back({x, double(t.size())});
  }
  const int64_t iters = 2000;
  const json want = run_reference({{"ll", ll_items}, {"rolling", rolling}, {"bootstrap_iters", iters}});
  expect_rel(eval::perplexity(lls), want["perplexity"], 1e-12, "perplexity");
  expect_rel(eval::bootstrap_stderr([](const std::vector<double>& xs) { return eval::perplexity(xs); }, lls, iters),
             want["perplexity_stderr"], 1e-9, "perplexity_stderr (bootstrap)");
  for (size_t i = 0; i < texts.size(); ++i) EXPECT_EQ(eval::count_words(texts[i]), want["words"][i].get<int64_t>()) << i;
  expect_rel(eval::weighted_perplexity(words), want["word_perplexity"], 1e-12, "word_perplexity");
  expect_rel(eval::weighted_perplexity(bytes), want["byte_perplexity"], 1e-12, "byte_perplexity");
  expect_rel(eval::bits_per_byte(bytes), want["bits_per_byte"], 1e-12, "bits_per_byte");
}

TEST(EvalMetrics, PyRandomIsCPythonsRandom) {
  const std::string py =
      "import random, json\n"
      "r = random.Random(1234)\n"
      "a = [r.sample(range(10), 3) for _ in range(3)] + [r.sample(range(500), 7)]\n"
      "b = random.Random(0).choices(range(13), k=6)\n"
      "c = random.Random(2**40 + 5).random()\n"
      "print(json.dumps({'a': a, 'b': b, 'c': c}))\n";
  const std::string path = test::temp_dir() + "/r.py";
  std::ofstream(path) << py;
  std::string out;
  ASSERT_EQ(test::run_command("/usr/bin/python3 " + path, &out), 0);
  const json want = json::parse(out);
  eval::PyRandom r(1234);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(json(r.sample(10, 3)), want["a"][i]);
  EXPECT_EQ(json(r.sample(500, 7)), want["a"][3]);
  EXPECT_EQ(json(eval::PyRandom(0).choices(13, 6)), want["b"]);
  EXPECT_EQ(eval::PyRandom((1ull << 40) + 5).random(), want["c"].get<double>());
}
