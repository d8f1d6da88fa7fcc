// Explanations of a next-token prediction (`lmforge explain`, docs/explain.md): for a
// prompt and a target token, the attribution of the prediction to each prompt token by
// gradient × input (eval/attribution.h) and by attention rollout
// (eval/attention_rollout.h), and the logit lens (eval/logit_lens.h), all from one
// forward and one backward pass. eval/explain_report.h writes them as JSON, text, SVG
// and HTML.
//
// The prompt is encoded as `lmforge generate` encodes it (no special tokens). The target
// is a token of the tokenizer, given as its tokenizer.json vocabulary string (byte-level
// form, e.g. "Ġthe"), or as its text (" the") when that text is exactly one token; none:
// the model's most probable next token.
#pragma once
#include <cstdint>
#include <map>
#include <string>
#include <vector>

#include "eval/logit_lens.h"
#include "models/transformer.h"
#include "tokenizer/tokenizer.h"

namespace lmf::eval {

struct ExplainOptions {
  std::string prompt;
  std::string target;  // empty: the argmax next token
  int64_t top_k = 5;   // tokens listed per logit-lens layer
};

// How a token is shown: its vocabulary string (byte-level form) and its decoded text
// (bytes that are not whole UTF-8 characters become U+FFFD).
struct TokenName {
  std::string token, text;
};

struct Explanation {
  std::string prompt;
  std::vector<int32_t> ids;             // the prompt's tokens (T)
  int32_t target = 0;                   // the scored token
  bool target_given = false;            // from the options (else the argmax)
  int32_t predicted = 0;                // the model's argmax next token
  double target_logprob = 0;            // log p(target | prompt)
  std::vector<double> grad_x_input;     // (T) Σ_c e·∂score/∂e
  std::vector<double> grad_norm;        // (T) ‖∂score/∂e‖₂
  std::vector<double> rollout;          // (T) the last row of the attention rollout
  std::vector<LensLayer> lens;          // L + 1 layers
  std::map<int32_t, TokenName> names;   // every id above
  std::string model_type;               // "gpt2" or "llama"
  int64_t n_layer = 0, n_head = 0;
};

// The id of `target` (see above). Error naming it when it is neither a vocabulary string
// nor the text of exactly one token.
int32_t resolve_target(const tok::Tokenizer& tokenizer, const std::string& target);

// Error: an empty prompt or one that encodes to no tokens, a prompt longer than the
// model's context (n_positions), an unknown target, an adapter that adds positions
// (prompt or prefix tuning), top_k < 1.
Explanation explain(Transformer& model, const tok::Tokenizer& tokenizer, const ExplainOptions& options);

}  // namespace lmf::eval
