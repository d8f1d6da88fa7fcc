// The harness's metrics (eval/metrics.h) against tests/reference/harness_metrics.py, a
// Python implementation of lm_eval/api/metrics.py and process_results, on the same
// log-likelihoods: acc, acc_norm, exact_match per document, their means and sample
// standard errors; perplexity and its bootstrap standard error (Python's own
// random.Random draws); word and byte perplexity and bits per byte. And PyRandom against
// CPython's random module. The generate_until filters (regex, take_first, majority_vote)
// and exact_match with its options, and crows_pairs' pct_stereotype and likelihood_diff,
// against the same file's restatement of lm_eval/filters and the task's process_results.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <nlohmann/json.hpp>
#include <random>

#include "eval/filters.h"
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

TEST(EvalMetrics, GenerationFiltersAndExactMatchEqualTheHarness) {
  // Three responses a document (repeats); references as strings or a list.
  const std::vector<std::pair<std::vector<std::string>, json>> docs = {
      {{"The answer is 42.\n#### 42", "#### -7", "#### 42"}, "42"},
      {{"I think 3, then 5 and 5", "5", "nothing"}, "5"},
      {{"x=12 and y!", "no", "Hello World"}, json::array({"12", "y"})},
      {{"  Paris, France.  ", "paris", "Paris"}, "paris france"},
      {{"\xc2\xa0 #### 1,000 \xc2\xa0", "#### 1,000", "#### 9"}, "1000"},
      {{"", "", "abc"}, "abc"},
      {{"Tie A", "Tie B", "Tie B"}, "Tie B"},
  };
  const json filters = json::parse(R"J([
    {"name": "none", "filter": [{"function": "take_first"}]},
    {"name": "default-regex", "filter": [{"function": "regex"}, {"function": "take_first"}]},
    {"name": "first-number", "filter": [{"function": "regex", "regex_pattern": "(-?[0-9]+)"}, {"function": "take_first"}]},
    {"name": "last-number-vote", "filter": [{"function": "regex", "regex_pattern": "(-?[0-9]+)", "group_select": -1}, {"function": "majority_vote"}]},
    {"name": "groups", "filter": [{"function": "regex", "regex_pattern": "x=([0-9]+)|([a-z]+)!", "fallback": "none found"}, {"function": "take_first"}]},
    {"name": "no-group", "filter": [{"function": "regex", "regex_pattern": "[A-Z][a-z]+"}, {"function": "take_first"}]},
    {"name": "vote", "filter": [{"function": "majority_vote"}]}
  ])J");
  const json em_kwargs = {{"ignore_case", true}, {"ignore_punctuation", true}, {"regexes_to_ignore", {",", "^the "}}};
  json gen_docs = json::array();
  for (const auto& [resps, gold] : docs) gen_docs.push_back({{"resps", resps}, {"gold", gold}});
  const json want = run_reference({{"gen", {{"filters", filters}, {"exact_match", em_kwargs}, {"docs", gen_docs}}}});

  eval::ExactMatchOptions em;
  em.ignore_case = true, em.ignore_punctuation = true, em.regexes_to_ignore = {",", "^the "};
  for (const auto& fj : filters) {
    eval::Filter f;
    f.name = fj["name"];
    for (const auto& st : fj["filter"]) {
      if (st["function"] == "regex")
        f.steps.push_back(eval::regex_step(st.value("regex_pattern", std::string("#### (\\-?[0-9\\.\\,]+)")), st.value("group_select", 0),
                                           st.value("fallback", std::string("[invalid]")), "test"));
      else f.steps.push_back(eval::simple_step(st["function"]));
    }
    const json& w = want["gen"][f.name];
    std::vector<double> scores;
    for (size_t d = 0; d < docs.size(); ++d) {
      const std::string answer = eval::apply_filter(f, docs[d].first);
      EXPECT_EQ(answer, w["filtered"][d].get<std::string>()) << f.name << " doc " << d;
      double score = 0;
      const json& gold = docs[d].second;
      if (gold.is_array())
        for (const auto& g : gold) score = std::max(score, eval::exact_match_score(answer, g, em));
      else score = eval::exact_match_score(answer, gold, em);
      EXPECT_EQ(score, w["exact_match"][d].get<double>()) << f.name << " doc " << d;
      scores.push_back(score);
    }
    expect_rel(eval::mean(scores), w["mean"], 1e-12, f.name + " exact_match");
    expect_rel(eval::mean_stderr(scores), w["stderr"], 1e-12, f.name + " exact_match_stderr");
  }
  // The fixture scores differently under different filters, and some but not all documents match.
  EXPECT_NE(want["gen"]["none"]["exact_match"], want["gen"]["first-number"]["exact_match"]);
  EXPECT_GT(want["gen"]["first-number"]["mean"].get<double>(), 0.0);
  EXPECT_LT(want["gen"]["first-number"]["mean"].get<double>(), 1.0);
}

TEST(EvalMetrics, CrowsPairsMetricsEqualTheHarness) {
  std::mt19937 gen(11);
  std::normal_distribution<double> ll(-30.0, 4.0);
  json pairs = json::array();
  std::vector<double> diff, stereo;
  for (int d = 0; d < 25; ++d) {
    std::vector<double> lls = {ll(gen), ll(gen)};
    if (d == 0) lls[1] = lls[0];  // equal: not stereotyped (strictly greater counts)
    pairs.push_back(lls);
    const eval::ChoiceScores s = eval::score_choices(lls, {false, false}, {"more", "less"}, 0);
    diff.push_back(s.likelihood_diff);
    stereo.push_back(s.pct_stereotype);
  }
  const json want = run_reference({{"crows", pairs}});
  for (size_t d = 0; d < diff.size(); ++d) {
    EXPECT_NEAR(diff[d], want["likelihood_diff"][d].get<double>(), 1e-12) << d;
    EXPECT_EQ(stereo[d], want["pct_stereotype"][d].get<double>()) << d;
  }
  expect_rel(eval::mean(diff), want["likelihood_diff_mean"], 1e-12, "likelihood_diff");
  expect_rel(eval::mean_stderr(diff), want["likelihood_diff_stderr"], 1e-12, "likelihood_diff_stderr");
  expect_rel(eval::mean(stereo), want["pct_stereotype_mean"], 1e-12, "pct_stereotype");
  expect_rel(eval::mean_stderr(stereo), want["pct_stereotype_stderr"], 1e-12, "pct_stereotype_stderr");
}
