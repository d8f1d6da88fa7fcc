// The system message that shows a model its tools (tool_prompt.h).
#include "tools/tool_prompt.h"

namespace lmf::tools {

std::string tools_system_message(const std::string& system, const ToolRegistry& registry) {
  const nlohmann::json defs = registry.definitions();
  if (defs.empty()) return system;
  std::string s = system.empty() ? "" : system + "\n\n";
  s += "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
       "You are provided with function signatures within <tools></tools> XML tags:\n<tools>";
  for (const nlohmann::json& d : defs) {
    s += '\n';
    s += d.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
  }
  s += "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
       "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
       "<args-json-object>}\n</tool_call>";
  return s;
}

}  // namespace lmf::tools
