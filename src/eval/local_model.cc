#include "eval/local_model.h"

#include "eval/generate_until.h"

namespace lmf::eval {

LocalModel::LocalModel(const ft::InferenceModelSpec& spec) : m_(spec), scorer_(m_.model, m_.tokenizer) {}

std::vector<LoglikelihoodResult> LocalModel::loglikelihood(const std::vector<LoglikelihoodRequest>& requests, bool,
                                                           const std::function<void(int64_t)>& on_done) {
  return scorer_.loglikelihood(requests, on_done);
}

std::vector<double> LocalModel::loglikelihood_rolling(const std::vector<std::string>& texts,
                                                      const std::function<void(int64_t)>& on_done) {
  return scorer_.loglikelihood_rolling(texts, on_done);
}

std::string LocalModel::generate_until(const std::vector<TokenId>& prompt, const std::vector<std::string>& until,
                                       int64_t max_gen_toks, const std::vector<TokenId>& stop_ids) {
  return eval::generate_until(m_.model, m_.tokenizer, prompt, until, max_gen_toks, stop_ids);
}

}  // namespace lmf::eval
