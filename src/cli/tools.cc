// lmforge tools run and tools list: one tool run directly, for scripts and for debugging a
// tool, and the declared tools' definitions (docs/tools.md). The tools are the library's
// (tools/tool_registry.h); here: flags in, JSON out on stdout.
//
// `tools run` prints {"result": ...} and exits 0, or {"error": "..."} and exits 1 — the
// tool message a model would read. A --tools file that cannot be read is a run-time
// failure as in every command (a message on stderr, exit 1).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.h"
#include "tools/tool_registry.h"

namespace lmf::cli {
namespace {

void add_tools_flag(CLI::App& app, std::string& file) {
  app.add_option("--tools", file, "FILE.json: a JSON list of OpenAI function definitions to declare beside the built-ins");
}

tools::ToolRegistry registry_with(const std::string& file) {
  tools::ToolRegistry r = tools::ToolRegistry::with_builtins();
  if (!file.empty()) r.load_definitions(file);
  return r;
}

int run_tools_run(int argc, char** argv) {
  CLI::App app{"Run one tool and print its result as JSON", "lmforge tools run"};
  std::string name, arguments, file;
  app.add_option("name", name, "the tool's name (e.g. calculator)")->required();
  app.add_option("arguments", arguments, "the arguments as a JSON object, e.g. '{\"expression\":\"1234+4321\"}'")
      ->required();
  add_tools_flag(app, file);
  LMF_PARSE(app, argc, argv);
  const tools::ToolResult r = registry_with(file).run_text(name, arguments);
  std::printf("%s\n", r.to_json().dump().c_str());
  return r.ok ? 0 : kExitFailure;
}

int run_tools_list(int argc, char** argv) {
  CLI::App app{"Print the declared tools' OpenAI function definitions as a JSON list", "lmforge tools list"};
  std::string file;
  add_tools_flag(app, file);
  LMF_PARSE(app, argc, argv);
  std::printf("%s\n", registry_with(file).definitions().dump(2).c_str());
  return 0;
}

Command reg_run("tools run", "run one tool (e.g. the exact calculator) and print its JSON result", run_tools_run);
Command reg_list("tools list", "print the tools' OpenAI function definitions", run_tools_list);

}  // namespace
}  // namespace lmf::cli
