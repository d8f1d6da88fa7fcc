// bench_eval: multiple-choice requests per second of the task harness's scoring
// (eval::LoglikelihoodScorer::loglikelihood, as `lmforge eval --tasks` runs it), one request
// being one document's choices. Usage:
//   bench_eval MODEL_DIR TOKENIZER TASK_YAML DOCS SHOTS PAIRS_OUT
// Builds the first DOCS documents of the task with SHOTS shots each (eval::build_requests,
// the harness's default seed), and times two ways of scoring them, each after one warm-up
// document:
//   reuse     each document's requests in one call: its context is prefilled once and the
//             KV cache is shared by its choices (the harness's path);
//   no_reuse  each request in a call of its own: the context is prefilled again for every
//             choice.
// Both include the tokenization of context and continuation (the harness's encode_pair).
// Writes PAIRS_OUT, the tokenized pairs [{"context": [ids], "continuations": [[ids], ...]}]
// per document (what the PyTorch side scores), and prints JSON: per mode the seconds,
// requests/s, context prefills and every choice's log-likelihood; the mean context and
// continuation lengths; the threads.
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "core/threads.h"
#include "eval/loglikelihood.h"
#include "eval/task.h"
#include "finetune/inference_model.h"

namespace {

using lmf::eval::LoglikelihoodRequest;
using lmf::eval::LoglikelihoodScorer;

std::vector<LoglikelihoodRequest> requests_of(const lmf::eval::DocRequest& d) {
  std::vector<LoglikelihoodRequest> r;
  for (const std::string& c : d.continuations) r.push_back({d.context, c});
  return r;
}

// Scores every document's requests, all at once per document (reuse) or one call per
// request; returns the seconds, and the log-likelihoods per document in `lls`.
double score_all(LoglikelihoodScorer& scorer, const std::vector<lmf::eval::DocRequest>& docs, bool reuse,
                 std::vector<std::vector<double>>& lls) {
  using Clock = std::chrono::steady_clock;
  lls.assign(docs.size(), {});
  const auto t0 = Clock::now();
  for (size_t i = 0; i < docs.size(); ++i) {
    const std::vector<LoglikelihoodRequest> reqs = requests_of(docs[i]);
    if (reuse) {
      for (const auto& r : scorer.loglikelihood(reqs)) lls[i].push_back(r.logprob);
    } else {
      for (const LoglikelihoodRequest& q : reqs) lls[i].push_back(scorer.loglikelihood({q})[0].logprob);
    }
  }
  return std::chrono::duration<double>(Clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  using namespace lmf;
  if (argc != 7) {
    std::fprintf(stderr, "usage: %s MODEL_DIR TOKENIZER TASK_YAML DOCS SHOTS PAIRS_OUT\n", argv[0]);
    return 2;
  }
  ft::InferenceModel m({argv[1], argv[2], ""});
  const eval::Task task = eval::load_task(argv[3]);
  const int64_t n_docs = std::stoll(argv[4]), shots = std::stoll(argv[5]);
  const std::vector<eval::DocRequest> docs = eval::build_requests(task, shots, n_docs, 1234);
  LoglikelihoodScorer scorer(m.model, m.tokenizer);

  // The tokenized pairs, as the scorer splits them.
  nlohmann::json pairs = nlohmann::json::array();
  double ctx_tokens = 0, cont_tokens = 0, choices = 0;
  for (const eval::DocRequest& d : docs) {
    nlohmann::json doc = {{"context", nlohmann::json::array()}, {"continuations", nlohmann::json::array()}};
    for (const std::string& c : d.continuations) {
      const eval::EncodedPair p = eval::encode_pair(m.tokenizer, d.context, c, scorer.prefix());
      doc["context"] = p.context;
      doc["continuations"].push_back(p.continuation);
      ctx_tokens += double(p.context.size());
      cont_tokens += double(p.continuation.size());
      choices += 1;
    }
    pairs.push_back(doc);
  }
  std::ofstream(argv[6]) << pairs.dump();

  std::vector<std::vector<double>> warm;
  score_all(scorer, {docs.front()}, true, warm);  // first-call costs (kernel generation, first touch)
  nlohmann::json out = {{"threads", threads::get()},
                        {"docs", docs.size()},
                        {"choices", choices},
                        {"mean_context_tokens", ctx_tokens / choices},
                        {"mean_continuation_tokens", cont_tokens / choices}};
  for (bool reuse : {true, false}) {
    std::vector<std::vector<double>> lls;
    const int64_t before = scorer.prefills();
    const double s = score_all(scorer, docs, reuse, lls);
    out[reuse ? "reuse" : "no_reuse"] = {{"seconds", s},
                                         {"requests_per_s", double(docs.size()) / s},
                                         {"prefills", scorer.prefills() - before},
                                         {"logprobs", lls}};
  }
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
