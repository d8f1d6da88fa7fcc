// The built-in `calculator` tool: the exact calculator (calculator.h) behind an OpenAI
// function definition. It takes {"expression": STRING} and gives {"result": STRING} — an
// integer in decimal or a reduced fraction "p/q" — or an error naming the position.
#pragma once
#include <nlohmann/json.hpp>

#include "tools/tool_registry.h"

namespace lmf::tools {

// {"type":"function","function":{"name":"calculator", ..., "parameters":{"type":"object",
// "properties":{"expression":{"type":"string",...}},"required":["expression"],
// "additionalProperties":false}}}
nlohmann::json calculator_definition();

// Runs the calculator with the default limits on arguments that fit the definition.
ToolResult run_calculator(const nlohmann::json& arguments);

}  // namespace lmf::tools
