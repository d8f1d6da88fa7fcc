// The metrics of lm-evaluation-harness (lm_eval/api/metrics.py and ConfigurableTask.
// process_results), per document and aggregated, with the standard errors it reports:
//
//   multiple_choice, per document (lls: each choice's log-likelihood, choices: their texts
//   without the target delimiter, gold: the right choice's index):
//     acc         1 if argmax(lls) == gold
//     acc_norm    1 if argmax(lls[i] / len(choices[i])) == gold, the length in characters
//                 (Unicode code points, as Python's len)
//     exact_match 1 if the gold continuation is the greedy one (is_greedy[gold])
//     argmax takes the first maximum, as numpy's.
//   multiple_choice with two choices (crows_pairs' utils.process_results: choice 0 the
//   more stereotyping sentence, choice 1 the less):
//     pct_stereotype   1 if lls[0] > lls[1]
//     likelihood_diff  |lls[0] - lls[1]| (likelihood_difference: the same, by the name the
//                      harness's first crows_pairs task gave it)
//   generate_until, per document: exact_match of the filtered answer (eval/filters.h);
//     refusal: align/judge.h's refusal score of the answer (1 a refusal, 0.5 a refusal that
//     also complies, 0 none) — the safety tasks' metric.
//   loglikelihood, per document: perplexity = the log-likelihood, acc = is_greedy.
//   loglikelihood_rolling, per document: (log-likelihood, weight) with weight = the words
//     (len(re.split(r"\s+", text))) for word_perplexity, the UTF-8 bytes for
//     byte_perplexity and bits_per_byte.
//
//   aggregation                                    standard error
//   acc, acc_norm, exact_match, refusal,           sample standard deviation (n - 1) / sqrt(n)
//   pct_stereotype, likelihood_diff(erence): mean
//   perplexity: exp(-mean(ll))                     bootstrap: the sample standard deviation of
//                                                  the statistic over `iters` resamples, chunk i
//                                                  of min(1000, iters) drawn with
//                                                  random.Random(i).choices (PyRandom)
//   word_perplexity, byte_perplexity:              none ("N/A"), as the harness
//     exp(-sum(ll) / sum(weight))
//   bits_per_byte: -sum(ll) / sum(weight) / ln 2   none ("N/A")
//
// A standard error that does not exist (one document, or a metric without one) is NaN.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <utility>
#include <vector>

namespace lmf::eval {

// Whitespace to Python's str.isspace (and to re's \s on str).
bool python_isspace(uint32_t code_point);
// Python's len(s) of a UTF-8 string: code points (a stray byte counts as one).
int64_t python_len(const std::string& s);
// len(re.split(r"\s+", s)).
int64_t count_words(const std::string& s);

double mean(const std::vector<double>& xs);
double sample_stddev(const std::vector<double>& xs);  // n - 1; NaN below 2 items
double mean_stderr(const std::vector<double>& xs);    // sample_stddev / sqrt(n)

double perplexity(const std::vector<double>& lls);  // exp(-mean)
using Weighted = std::pair<double, double>;         // (log-likelihood, weight)
double weighted_perplexity(const std::vector<Weighted>& items);
double bits_per_byte(const std::vector<Weighted>& items);

// The harness's bootstrap_stderr(f, xs, iters), draw for draw.
double bootstrap_stderr(const std::function<double(const std::vector<double>&)>& f, const std::vector<double>& xs,
                        int64_t iters);

struct ChoiceScores {
  double acc = 0, acc_norm = 0, exact_match = 0;
  double pct_stereotype = 0, likelihood_diff = 0;  // two choices only (else 0)
  int64_t pred = 0, pred_norm = 0;
};
ChoiceScores score_choices(const std::vector<double>& lls, const std::vector<bool>& is_greedy,
                           const std::vector<std::string>& choices, int64_t gold);

// The metrics lmforge knows: name, higher_is_better, and the output types it applies to.
struct MetricInfo {
  std::string name;
  bool higher_is_better = true;
  std::vector<std::string> output_types;
};
const std::vector<MetricInfo>& known_metrics();
const MetricInfo* find_metric(const std::string& name);  // nullptr when unknown
// pct_stereotype, likelihood_diff, likelihood_difference: metrics of a two-choice minimal pair.
bool is_pair_metric(const std::string& name);
std::string metric_names();                              // "acc, acc_norm, ..."
// The harness's default metrics of an output type (metric_list absent).
std::vector<std::string> default_metrics(const std::string& output_type);

inline constexpr int64_t kBootstrapIters = 100000;  // the harness's default bootstrap_iters

}  // namespace lmf::eval
