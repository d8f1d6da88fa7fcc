// How the declared tools are shown to a model: a system message that lists their OpenAI
// function definitions between <tools></tools> and describes the call format
// (tool_call.h), in the wording Qwen2.5's ChatML template uses (Hermes function calling):
//
//   SYSTEM
//
//   # Tools
//
//   You may call one or more functions to assist with the user query.
//
//   You are provided with function signatures within <tools></tools> XML tags:
//   <tools>
//   {"type":"function","function":{...}}          one compact JSON definition a line
//   </tools>
//
//   For each function call, return a json object with function name and arguments within
//   <tool_call></tool_call> XML tags:
//   <tool_call>
//   {"name": <function-name>, "arguments": <args-json-object>}
//   </tool_call>
//
// With an empty SYSTEM the text starts at "# Tools". With no tools declared it is SYSTEM.
#pragma once
#include <string>

#include "tools/tool_registry.h"

namespace lmf::tools {

std::string tools_system_message(const std::string& system, const ToolRegistry& registry);

}  // namespace lmf::tools
