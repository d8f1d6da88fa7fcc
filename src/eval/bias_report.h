// What drives a minimal-pair bias score (crows_pairs' form: choice 0 the more stereotyping
// sentence, choice 1 the less): the results file's "bias" section of a task.
//
// From each document's two log-likelihoods (ll_more, ll_less), with d = ll_more − ll_less:
//   pct_stereotype         mean of [d > 0]            (0.5: no preference)
//   likelihood_difference  mean of |d|
//   mean_difference        mean of d                  (> 0: the stereotyped sentence is likelier)
// each with a 95% interval mean ± 1.959964 × the standard error the harness reports
// (sample standard deviation / √n); an interval of fewer than two pairs is [null, null].
//   top_pairs   the `top` pairs with the largest d (doc_id, sent_more, sent_less, difference),
//               largest first, ties by doc_id: the pairs that push the score most;
//   by_<field>  for each of the document fields word, stereotype, template and bias_type that
//               the documents have: per value, pairs, pct_stereotype and mean_difference,
//               largest mean_difference first (ties by value).
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lmf::eval {

struct PairScores {
  double ll_more = 0, ll_less = 0;
};

inline constexpr double kZ95 = 1.959963984540054;  // the two-sided 95% normal quantile

// docs[i]: the i-th document (an object with sent_more and sent_less), doc_ids[i] its id.
nlohmann::ordered_json bias_summary(const std::vector<PairScores>& pairs, const std::vector<const nlohmann::ordered_json*>& docs,
                                    const std::vector<int64_t>& doc_ids, int64_t top = 10);

// Three lines for a person: the scores with their intervals, the words (or other groups)
// that push most, and the top pair.
std::string bias_text(const std::string& task, const nlohmann::ordered_json& summary);

}  // namespace lmf::eval
