// The harness's model (eval/language_model.h) behind an OpenAI-compatible server, scored
// through its legacy completions route (POST URL/v1/completions) as lm-evaluation-harness's
// local-completions model scores one, the prompts sent as token ids of a local tokenizer:
//
//   loglikelihood: context and continuation split as eval/loglikelihood.h (encode_pair; an
//     empty context is the prefix token); the prompt is (context + continuation)[-max_length:]
//     with echo: true, logprobs: 1, max_tokens: 0, temperature: 0, and the score the sum of
//     the echoed token_logprobs at the continuation's positions. A continuation of
//     max_length tokens or more is an Error. is_greedy, when asked for (the echoed prompt
//     carries no top log-probabilities): one more request of the prompt's context part with
//     max_tokens = the continuation's length and temperature 0, greedy when the reply's
//     tokens (logprobs.tokens) are the continuation's tokens, each decoded alone.
//   loglikelihood_rolling: the windows of eval/loglikelihood.h with max_seq_len =
//     max_length - 1, each sent whole (context + prediction, at most max_length tokens) and
//     scored on its prediction's positions.
//   generate_until: the prompt's last max_length - max_gen_toks tokens (less room than one
//     token is an Error naming max_gen_toks), temperature 0, max_tokens = max_gen_toks, stop
//     = the non-empty until strings; the reply's text cut at each of them in turn
//     (cut_at_stops). Extra stop token ids are not supported (an Error).
//
// URL is the server's root (http://HOST:PORT, optionally with a path prefix); one that ends
// in /v1 or /v1/completions is taken as that route's. Up to `batch` prompts travel in one
// request (a list of token-id lists; choices matched by their index). With an API key,
// requests carry "Authorization: Bearer KEY". A server that cannot be reached, an answer
// that is not 200 or holds an error object, or one without the fields above is an Error
// naming the route's URL and the server's message.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "eval/language_model.h"

namespace lmf::eval {

struct ApiOptions {
  std::string url;          // the server's root
  std::string model;        // the request's "model"
  std::string api_key;      // "" sends no Authorization header
  int64_t max_length = 2048;  // the most tokens one prompt sends (the harness's default for API models)
  int64_t batch = 8;          // prompts a request
  double timeout_s = 600;     // per request
};

class ApiModel : public LanguageModel {
 public:
  // `tk` splits and encodes the requests; it must be the served model's tokenizer.
  ApiModel(ApiOptions o, tok::Tokenizer tk);
  ~ApiModel() override;

  const tok::Tokenizer& tokenizer() const override { return tk_; }
  std::vector<LoglikelihoodResult> loglikelihood(const std::vector<LoglikelihoodRequest>& requests, bool need_greedy,
                                                 const std::function<void(int64_t)>& on_done) override;
  std::vector<double> loglikelihood_rolling(const std::vector<std::string>& texts,
                                            const std::function<void(int64_t)>& on_done) override;
  std::string generate_until(const std::vector<TokenId>& prompt, const std::vector<std::string>& until, int64_t max_gen_toks,
                             const std::vector<TokenId>& stop_ids) override;

  const std::string& endpoint() const { return endpoint_; }  // the completions route's URL

 private:
  // POSTs `body` to the completions route; the answer's choices, ordered by index.
  nlohmann::json complete(nlohmann::json body, size_t expected_choices);
  // The echoed log-probabilities of each prompt (element 0 of each is the first token's, null).
  std::vector<nlohmann::json> echo_logprobs(const std::vector<std::vector<TokenId>>& prompts);

  ApiOptions o_;
  tok::Tokenizer tk_;
  TokenId prefix_ = 0;
  std::string endpoint_, host_, path_;
  struct Client;
  std::unique_ptr<Client> client_;
};

}  // namespace lmf::eval
