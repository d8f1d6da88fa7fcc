// The tool-call loop: a model answers, and while its answer calls a tool, the call is run
// and its result handed back, until the model answers without a call.
//
//   1. reply(conv) gives the assistant's next message (conv ends with a user or tool turn).
//   2. No complete call in it (tool_call.h): it is appended as an assistant message and the
//      loop ends, finish_reason "stop".
//   3. A call: the assistant message up to and including "</tool_call>" is appended (text
//      the model wrote after the call is dropped), the call runs through the registry, and
//      a "tool" message holding "<tool_response>{...}</tool_response>" is appended; go to 1.
//   4. When max_tool_calls calls have been answered, the model is asked once more; that
//      reply is appended whole and ends the loop: finish_reason "stop" when it has no call,
//      "tool_calls_limit" when it calls again (that call is not run).
//
// Promises: only tools declared in the registry run, on arguments that fit their schema;
// an unknown tool, invalid arguments, a malformed call and a tool's own error all become
// an {"error": ...} tool response for the model — the loop never throws for them (an
// exception from reply() or on_event passes through). Every answered call counts towards
// the limit, a malformed one included. reply() is called at most max_tool_calls + 1 times.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

#include "infer/chat_template.h"
#include "tools/tool_registry.h"

namespace lmf::tools {

extern const char* const kToolRole;  // "tool": the role of a message holding a tool response

// A call as it happens: kind Call before it runs, kind Result after.
struct ToolEvent {
  enum Kind { Call, Result } kind = Call;
  int index = 0;             // 1-based number of the call in this loop
  std::string before;        // the reply's text before the call
  std::string text;          // the call as the model wrote it
  std::string name;          // empty for a malformed call
  nlohmann::json arguments;  // null for a malformed call
  ToolResult result;         // kind Result: what the model is given back
};

struct ToolLoopResult {
  std::string reply;          // the final assistant message (also the last message of conv)
  std::string finish_reason;  // "stop" or "tool_calls_limit"
  int tool_calls = 0;         // calls answered (malformed ones included)
};

using ReplyFn = std::function<std::string(const Conversation&)>;

ToolLoopResult run_tool_loop(const ToolRegistry& registry, Conversation& conv, const ReplyFn& reply,
                             int max_tool_calls, const std::function<void(const ToolEvent&)>& on_event = nullptr);

}  // namespace lmf::tools
