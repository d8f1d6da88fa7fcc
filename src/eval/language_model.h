// What the task harness (eval/harness.h) asks of a model, whether the model runs in this
// process (eval/local_model.h) or behind an OpenAI-compatible server (eval/api_model.h).
// Requests and results are as eval/loglikelihood.h and eval/generate_until.h define them.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/token_id.h"
#include "eval/loglikelihood.h"
#include "tokenizer/tokenizer.h"

namespace lmf::eval {

class LanguageModel {
 public:
  virtual ~LanguageModel() = default;

  // The tokenizer that splits context and continuation, and encodes prompts.
  virtual const tok::Tokenizer& tokenizer() const = 0;

  // One result per request, in order; `on_done(n)`: n requests done (progress). With
  // `need_greedy` false a model may leave is_greedy false (it costs a server a request).
  virtual std::vector<LoglikelihoodResult> loglikelihood(const std::vector<LoglikelihoodRequest>& requests, bool need_greedy,
                                                         const std::function<void(int64_t)>& on_done) = 0;
  // The summed rolling log-likelihood of each text; `on_done(n)`: n texts done.
  virtual std::vector<double> loglikelihood_rolling(const std::vector<std::string>& texts,
                                                    const std::function<void(int64_t)>& on_done) = 0;
  // The greedy reply to `prompt`, cut at the `until` strings (eval/generate_until.h);
  // `stop_ids`: more tokens that end generation.
  virtual std::string generate_until(const std::vector<TokenId>& prompt, const std::vector<std::string>& until,
                                     int64_t max_gen_toks, const std::vector<TokenId>& stop_ids) = 0;
};

}  // namespace lmf::eval
