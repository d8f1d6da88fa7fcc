// Instruction data: the examples instruction tuning trains on, in JSONL, one a line, in
// either form
//   Alpaca  {"instruction": "...", "input": "..." (optional), "output": "..."}
//           → user: instruction (+ "\n\n" + input when non-empty), assistant: output
//   chat    {"messages": [{"role": "system"|"user"|"assistant"|"tool", "content": "..."}, ...]}
//           an assistant message may hold a tool call and a "tool" message a tool's answer, as
//           text (tools/tool_call.h: <tool_call>{...}</tool_call>, <tool_response>{...}
//           </tool_response>); only assistant messages are trained on, calls included
// and the next-token examples made from a conversation encoded by the chat template
// (infer/chat_template.h).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "infer/chat_template.h"

namespace lmf::ft {

// Reads FILE.jsonl; an invalid line is a FormatError naming the file and line number.
std::vector<Conversation> read_instruction_jsonl(const std::string& path);
// One line of instruction data (Alpaca or chat form); `where` names it in errors.
Conversation parse_instruction(const std::string& json_line, const std::string& where);
// The user message of an Alpaca example: the instruction, then "\n\n" and the input when
// there is one.
std::string alpaca_user_message(const std::string& instruction, const std::string& input);

// Next-token inputs and targets for one example, at most `max_len` tokens:
// x = ids[0..n-1), y[i] = ids[i+1] where trained, else -100.
void make_example(const EncodedChat& e, int64_t max_len, std::vector<int32_t>& x, std::vector<int32_t>& y);

}  // namespace lmf::ft
