// Log-likelihood scoring as lm-evaluation-harness scores a causal model (its
// TemplateLM.loglikelihood and HFLM._loglikelihood_tokens / loglikelihood_rolling):
//
//   encode_pair(context, continuation): trailing whitespace of the context moves to the
//     front of the continuation; whole = encode(context + continuation), context_enc =
//     encode(context), continuation_enc = whole[len(context_enc):]. No BOS is added. An
//     empty context becomes [prefix token] and the continuation is encoded alone.
//   the model reads (context_enc + continuation_enc)[-(L+1):][:-1] (L: the model's context
//     length) and the result is the sum of log-softmax(logits)[token] over the
//     continuation's tokens, with is_greedy = every continuation token is the argmax of
//     its row (the first maximum on ties).
//   rolling: the text's tokens (no prefix) in the harness's get_rolling_token_windows with
//     context_len 1 — window 1 is [prefix] + t[0:L-1] predicting t[0:L], each later window
//     predicts the next (up to L) tokens from the L tokens before its last one — and the
//     sum over the windows. The prefix token is the tokenizer's end-of-text token, else the
//     config's bos_token_id, else the tokenizer's <s> / <|begin_of_text|>; with none of them
//     it is an Error naming the tokenizer.
//
// Requests that share a context string share one prefill of it: the continuation of each
// runs after the cached context (the cache is cut back to the context's length in between),
// so a context is prefilled once however many choices follow it. Requests that would not
// fit in L+1 tokens take the truncated input above in a forward of their own; a
// continuation longer than L tokens is an Error.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "core/token_id.h"
#include "models/transformer.h"
#include "tokenizer/tokenizer.h"

namespace lmf::eval {

struct LoglikelihoodRequest {
  std::string context, continuation;
};

struct LoglikelihoodResult {
  double logprob = 0;      // sum over the continuation's tokens (nats)
  bool is_greedy = false;  // greedy decoding would produce the continuation
};

struct EncodedPair {
  std::vector<TokenId> context, continuation;
};

// Python's str.rstrip(): the length of `s` without its trailing whitespace (Unicode
// White_Space as Python's str.isspace sees it).
size_t rstrip_length(const std::string& s);

EncodedPair encode_pair(const tok::Tokenizer& tk, const std::string& context, const std::string& continuation,
                        TokenId prefix_token);

// The token the first rolling window (and an empty context) is conditioned on.
TokenId prefix_token(const tok::Tokenizer& tk, const ModelConfig& cfg);

// One rolling window in the harness's disjoint form: the model reads context +
// prediction[:-1] and scores prediction.
struct TokenWindow {
  std::vector<TokenId> context, prediction;
};
std::vector<TokenWindow> rolling_token_windows(const std::vector<TokenId>& tokens, TokenId prefix, int64_t max_seq_len,
                                               int64_t context_len = 1);

class LoglikelihoodScorer {
 public:
  // The model (hooks included) and its tokenizer; both must outlive the scorer.
  LoglikelihoodScorer(Transformer& model, const tok::Tokenizer& tk);

  // One result per request, in order. `on_done(n)` after each context group (progress).
  std::vector<LoglikelihoodResult> loglikelihood(const std::vector<LoglikelihoodRequest>& requests,
                                                 const std::function<void(int64_t)>& on_done = nullptr);
  // Token level: every continuation after the same context (one prefill of the context).
  std::vector<LoglikelihoodResult> score_tokens(const std::vector<TokenId>& context,
                                                const std::vector<std::vector<TokenId>>& continuations);
  // Sum of log-probabilities of each text in rolling windows.
  std::vector<double> loglikelihood_rolling(const std::vector<std::string>& texts,
                                            const std::function<void(int64_t)>& on_done = nullptr);

  int64_t max_length() const { return max_len_; }  // L
  TokenId prefix() const { return prefix_; }
  int64_t prefills() const { return prefills_; }    // context prefills so far (KV reuse is one per context)

 private:
  Transformer& model_;
  const tok::Tokenizer& tk_;
  int64_t max_len_ = 0;
  TokenId prefix_ = 0;
  int64_t prefills_ = 0;
};

}  // namespace lmf::eval
