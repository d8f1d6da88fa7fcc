// The built-in calculator tool (calculator_tool.h).
#include "tools/calculator_tool.h"

#include "tools/calculator.h"

namespace lmf::tools {

nlohmann::json calculator_definition() {
  return {
      {"type", "function"},
      {"function",
       {{"name", "calculator"},
        {"description",
         "Exact arithmetic on integers and fractions of any size. Operators + - * / ^ (power: binds tightest, "
         "right-associative, integer exponents), parentheses and unary minus. Returns an integer or a reduced "
         "fraction p/q."},
        {"parameters",
         {{"type", "object"},
          {"properties",
           {{"expression",
             {{"type", "string"}, {"description", "the expression, e.g. \"1234 + 4321\" or \"(2^64 - 1) / 3\""}}}}},
          {"required", {"expression"}},
          {"additionalProperties", false}}}}}};
}

ToolResult run_calculator(const nlohmann::json& arguments) {
  const Calculation c = calculate(arguments.at("expression").get<std::string>());
  if (!c.ok()) return ToolResult::failure(c.message);
  return ToolResult::success(c.value);
}

}  // namespace lmf::tools
