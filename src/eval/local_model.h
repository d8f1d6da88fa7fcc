// The harness's model (eval/language_model.h) run in this process: a model directory with
// its tokenizer and an optional PEFT adapter (finetune/inference_model.h), scored by
// eval/loglikelihood.h (one prefill per context, its KV cache shared by the choices) and
// generating through eval/generate_until.h.
#pragma once
#include <string>

#include "eval/language_model.h"
#include "finetune/inference_model.h"

namespace lmf::eval {

class LocalModel : public LanguageModel {
 public:
  explicit LocalModel(const ft::InferenceModelSpec& spec);

  const tok::Tokenizer& tokenizer() const override { return m_.tokenizer; }
  std::vector<LoglikelihoodResult> loglikelihood(const std::vector<LoglikelihoodRequest>& requests, bool need_greedy,
                                                 const std::function<void(int64_t)>& on_done) override;
  std::vector<double> loglikelihood_rolling(const std::vector<std::string>& texts,
                                            const std::function<void(int64_t)>& on_done) override;
  std::string generate_until(const std::vector<TokenId>& prompt, const std::vector<std::string>& until, int64_t max_gen_toks,
                             const std::vector<TokenId>& stop_ids) override;

 private:
  ft::InferenceModel m_;
  LoglikelihoodScorer scorer_;
};

}  // namespace lmf::eval
