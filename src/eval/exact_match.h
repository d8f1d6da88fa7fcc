// Exact match: the share of held-out conversations whose greedy reply (infer/greedy.h) to
// all messages but the last equals the last message's content exactly, byte for byte,
// once the end-of-turn marker is removed. The prompt is the chat template's
// (infer/chat_template.h).
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "infer/chat_template.h"
#include "models/transformer.h"
#include "tokenizer/tokenizer.h"

namespace lmf::eval {

// Share of conversations whose greedy reply (to all messages but the last) equals the last
// message's content exactly.
double exact_match(Transformer& model, const tok::Tokenizer& tk, const std::vector<Conversation>& test,
                   int64_t max_new);

// The same with every reply kept: replies[i] is the greedy reply to test[i] (without the
// end-of-turn marker), right[i] whether it equals the expected content. `on_example(done)`
// is called after each conversation (progress).
struct ExactMatchReport {
  int64_t hits = 0, total = 0;
  std::vector<std::string> replies;
  std::vector<bool> right;
  double score() const { return total ? double(hits) / double(total) : 0.0; }
};
ExactMatchReport exact_match_report(Transformer& model, const tok::Tokenizer& tk, const std::vector<Conversation>& test,
                                    int64_t max_new, const std::function<void(int64_t)>& on_example = nullptr);

// Reads held-out instruction data (Alpaca or chat JSONL, finetune/instruction_data.h) for
// exact match: every conversation must end with the assistant's answer (FormatError
// naming FILE:LINE otherwise).
std::vector<Conversation> read_exact_match_set(const std::string& path);

}  // namespace lmf::eval
