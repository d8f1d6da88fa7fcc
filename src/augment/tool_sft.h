// Training data for calling the calculator (`lmforge data tool-sft`): conversations in which
// a user asks a 4–8-digit addition, subtraction or multiplication, the assistant calls the
// calculator, the tool answers, and the assistant states the exact result:
//
//   system     tools_system_message("", calculator)   what `chat --tools calculator` shows
//   user       "What is 48213 * 905?"                  (augment/arithmetic_problems.h phrasings)
//   assistant  <tool_call>{"name":"calculator","arguments":{"expression":"48213 * 905"}}</tool_call>
//   tool       <tool_response>{"result":"43632765"}</tool_response>
//   assistant  48213 * 905 = 43632765
//
// The tool message is what the real calculator answers through the tool loop
// (tools/tool_loop.h), so a model trained on this data reads at run time exactly what it
// read in training. Each example is one JSON line, the chat form `lmforge finetune` reads
// (finetune/instruction_data.h), with two fields finetune ignores:
//   {"messages": [...], "expression": "48213 * 905", "answer": "43632765"}
// train.jsonl holds training problems, test.jsonl held-out ones (the split of
// arithmetic_problems.h: no test problem is ever a training problem, whatever the seeds).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "augment/arithmetic_problems.h"
#include "infer/chat_template.h"

namespace lmf::augment {

struct ToolSftOptions {
  int64_t train = 4000, test = 200;
  ProblemOptions problems;  // default 4 to 8 digits, + - *
  uint64_t seed = 1;
};

// The conversation for one problem; `variant` picks the question's phrasing.
Conversation tool_sft_conversation(const ArithmeticProblem& p, uint64_t variant);
// Its JSON line (no newline).
std::string tool_sft_json(const ArithmeticProblem& p, uint64_t variant);

struct ArithmeticSftData {
  std::vector<ArithmeticProblem> train, test;
};
ArithmeticSftData make_tool_sft(const ToolSftOptions& o);
// OUT/train.jsonl and OUT/test.jsonl, each written atomically.
void write_tool_sft(const ArithmeticSftData& d, const std::string& out_dir);

}  // namespace lmf::augment
