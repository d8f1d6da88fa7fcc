// The tool-call text format a model writes in its replies and reads back:
//
//   a call      <tool_call>{"name": "calculator", "arguments": {"expression": "2+3"}}</tool_call>
//   a result    <tool_response>{"result":"5"}</tool_response>     (ToolResult::to_json())
//
// The call's body is one JSON object with a string "name" and an object "arguments"
// (absent means {}); nothing else. Spaces and line breaks around the JSON are allowed.
//
// Promises: find_tool_call never throws; it finds the first complete call (an opening tag
// followed by a closing tag) and reports a malformed body — not JSON, not an object, no
// string name, arguments not an object, an unknown field — as an error to give the model,
// never silently as "no call". An opening tag without a closing tag is no call (the reply
// is text). format_tool_call and find_tool_call round-trip.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>

#include "tools/tool_registry.h"

namespace lmf::tools {

extern const char* const kToolCallOpen;       // "<tool_call>"
extern const char* const kToolCallClose;      // "</tool_call>"
extern const char* const kToolResponseOpen;   // "<tool_response>"
extern const char* const kToolResponseClose;  // "</tool_response>"

// The first complete call in a reply.
struct ToolCall {
  std::string before;        // the reply's text before "<tool_call>"
  std::string text;          // the call as written, "<tool_call>" through "</tool_call>"
  std::size_t end = 0;       // the offset in the reply just past "</tool_call>"
  std::string name;          // when well formed
  nlohmann::json arguments;  // when well formed: an object
  std::string error;         // when malformed: what is wrong, for the model to read
  bool ok() const { return error.empty(); }
};

// The first complete call in `reply`, or nullopt when it has none.
std::optional<ToolCall> find_tool_call(std::string_view reply);

// "<tool_call>{"name":NAME,"arguments":ARGUMENTS}</tool_call>" (compact JSON; invalid UTF-8 replaced, never throws).
std::string format_tool_call(const std::string& name, const nlohmann::json& arguments);

// "<tool_response>" + result.to_json() (compact) + "</tool_response>".
std::string format_tool_response(const ToolResult& result);

}  // namespace lmf::tools
