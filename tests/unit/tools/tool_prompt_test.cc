// The system message that shows a model its tools: the documented text byte for byte.
#include "tools/tool_prompt.h"

#include <gtest/gtest.h>

#include "tools/calculator_tool.h"

using namespace lmf::tools;

TEST(ToolPrompt, ListsTheDefinitionsAndTheCallFormat) {
  const ToolRegistry reg = ToolRegistry::with_builtins();
  const std::string tools =
      "# Tools\n\nYou may call one or more functions to assist with the user query.\n\n"
      "You are provided with function signatures within <tools></tools> XML tags:\n<tools>\n" +
      calculator_definition().dump() +
      "\n</tools>\n\nFor each function call, return a json object with function name and arguments within "
      "<tool_call></tool_call> XML tags:\n<tool_call>\n{\"name\": <function-name>, \"arguments\": "
      "<args-json-object>}\n</tool_call>";
  EXPECT_EQ(tools_system_message("", reg), tools);
  EXPECT_EQ(tools_system_message("Be exact.", reg), "Be exact.\n\n" + tools);
  EXPECT_EQ(tools_system_message("Be exact.", ToolRegistry()), "Be exact.");
}
