// The tool flags of `chat` and `generate` (tools/tool_loop.h), declared one way, and how a
// call shows on the terminal and in --json output:
//   --tools calculator|retrieve|FILE.json   tools the model may call (repeatable)
//   --max-tool-calls N             calls answered a turn (default 4)
//   [tool call] calculator {"expression":"2+3"}        print_tool_event, as it happens
//   [tool result] {"result":"5"}
//   {"call", "name", "arguments", "result"}            tool_call_json of a Result event
#pragma once
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/flags.h"
#include "tools/tool_loop.h"

namespace lmf::cli {

struct ToolFlags {
  std::vector<std::string> specs;
  int max_calls = 4;
  bool on() const { return !specs.empty(); }
  bool names(const std::string& spec) const { return std::find(specs.begin(), specs.end(), spec) != specs.end(); }
};

inline void add_tool_flags(CLI::App& app, ToolFlags& f) {
  app.add_option("--tools", f.specs, "tools the model may call: `calculator`, `retrieve` (built in; retrieve searches "
                                     "the --rag index) or FILE.json (a list of OpenAI function definitions); repeatable. "
                                     "Needs a ChatML model")
      ->take_all();
  app.add_option("--max-tool-calls", f.max_calls, "tool calls run a turn with --tools; then the model answers once "
                                                   "more and a further call is not run")
      ->check(int_range(0, 100))
      ->capture_default_str();
}

inline std::string compact(const nlohmann::json& j) {
  return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
}

inline void print_tool_event(const tools::ToolEvent& e) {
  if (e.kind == tools::ToolEvent::Call) {
    if (!e.before.empty()) std::printf("%s\n", e.before.c_str());
    if (e.name.empty()) std::printf("[tool call] (malformed) %s\n", e.text.c_str());
    else std::printf("[tool call] %s %s\n", e.name.c_str(), compact(e.arguments).c_str());
  } else {
    std::printf("[tool result] %s\n", compact(e.result.to_json()).c_str());
  }
  std::fflush(stdout);
}

inline nlohmann::json tool_call_json(const tools::ToolEvent& e) {
  return {{"call", e.text}, {"name", e.name}, {"arguments", e.arguments}, {"result", e.result.to_json()}};
}

}  // namespace lmf::cli
