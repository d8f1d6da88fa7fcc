// Training data for worked (step-by-step) arithmetic (`lmforge data cot-sft`): multi-digit
// additions and multiplications answered either with the steps written out (style "cot")
// or with the answer alone (style "direct": the baseline trained on the same problems with
// the same budget). Either way the reply ends with "The answer is R." (what
// augment/chain_of_thought.h's default answer expression reads).
//
//   cot     user       "What is 4567 + 891?\nLet's think step by step."   (cot_prompt: what
//                      `--cot` sends at run time)
//           assistant  Add the digits from right to left, carrying:
//                      7 + 1 + 0 = 8, write 8, carry 0
//                      6 + 9 + 0 = 15, write 5, carry 1
//                      5 + 8 + 1 = 14, write 4, carry 1
//                      4 + 0 + 1 = 5, write 5, carry 0
//                      The answer is 5458.
//           assistant  (for 4567 * 23)
//                      Multiply 4567 by each digit of 23, from the right:
//                      4567 * 3 = 13701
//                      4567 * 2 = 9134, shifted 1 place: 91340
//                      Add the partial products:
//                      13701 + 91340 = 105041
//                      The answer is 105041.
//   direct  user "What is 4567 + 891?", assistant "The answer is 5458."
//
// A final carry is written as its own line ("write the carry 1"); a multiplier of one digit
// has no sum. Each example is one JSON line in the chat form `lmforge finetune` reads, with
// "expression" and "answer" fields beside "messages"; train.jsonl holds training problems,
// test.jsonl held-out ones (arithmetic_problems.h: disjoint whatever the seeds).
#pragma once
#include <cstdint>
#include <string>

#include "augment/arithmetic_problems.h"
#include "augment/tool_sft.h"

namespace lmf::augment {

struct CotSftOptions {
  int64_t train = 4000, test = 200;
  ProblemOptions problems{2, 5, "+*"};  // '+' and '*' only
  std::string style = "cot";            // "cot" or "direct"
  uint64_t seed = 1;
};

// The worked solution of an addition or multiplication (the assistant's reply above).
// Error for another operation.
std::string worked_solution(const ArithmeticProblem& p);

Conversation cot_sft_conversation(const ArithmeticProblem& p, uint64_t variant, const std::string& style);
std::string cot_sft_json(const ArithmeticProblem& p, uint64_t variant, const std::string& style);

// Error for a style other than cot/direct or an operation other than + and *.
ArithmeticSftData make_cot_sft(const CotSftOptions& o);
// OUT/train.jsonl and OUT/test.jsonl, each written atomically.
void write_cot_sft(const ArithmeticSftData& d, const std::string& style, const std::string& out_dir);

}  // namespace lmf::augment
