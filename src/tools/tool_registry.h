// The tools a model may call: each declared by an OpenAI function definition
//
//   {"type": "function", "function": {"name": "calculator", "description": "...",
//                                     "parameters": {JSON Schema of the arguments}}}
//
// and, when lmforge implements it, a function that runs it. A generation loop that meets
// a tool call asks has(name), runs run(name, arguments) and hands the model
// ToolResult::to_json() — {"result": ...} or {"error": "..."} — as the tool message;
// definitions() is the list a chat template or an API request shows the model.
//
// Promises: only declared tools run; a call's arguments are checked against the declared
// schema (argument_schema.h) before the implementation sees them; run() never throws —
// an unknown tool, bad arguments, a tool declared without an implementation, and an
// implementation's own failure (an exception included) all come back as errors. Reading
// definitions (add, load_definitions) throws lmf::Error naming the file and the entry.
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <vector>

namespace lmf::tools {

// What a tool gives back to the model.
struct ToolResult {
  bool ok = false;
  nlohmann::json result;  // when ok: the tool's value (the calculator's: a string)
  std::string error;      // when not: what went wrong, for the model to read

  static ToolResult success(nlohmann::json value);
  static ToolResult failure(std::string message);
  // {"result": result} or {"error": error}.
  nlohmann::json to_json() const;
};

// A tool's implementation; receives arguments that already fit the declared schema.
using ToolFn = std::function<ToolResult(const nlohmann::json& arguments)>;

class ToolRegistry {
 public:
  // No tools.
  ToolRegistry() = default;
  // The built-in tools: calculator (calculator_tool.h).
  static ToolRegistry with_builtins();
  // The tools a --tools flag names, in order: a built-in by its name ("calculator") or a
  // FILE.json of definitions (load_definitions).
  static ToolRegistry from_specs(const std::vector<std::string>& specs);

  // Declares a tool. `definition` is checked (type "function"; a name of 1 to 64 letters,
  // digits, '_' or '-'; an optional string description; parameters — absent means no
  // arguments — a schema of type object in the supported subset; optional boolean
  // "strict"; nothing else). `where` prefixes error messages ("tools.json: entry 2").
  // Throws lmf::Error for a bad definition or a name already declared.
  void add(const nlohmann::json& definition, ToolFn implementation = nullptr, const std::string& where = "tool");

  // Declares every definition in FILE.json (the --tools flag): a JSON list of function
  // definitions. Such tools have no implementation until implement() gives one. Throws
  // lmf::FormatError naming the file (and the 1-based entry) when it cannot be read, is not
  // JSON, is not a list, or an entry is not a valid definition.
  void load_definitions(const std::string& path);

  // Gives a declared tool its implementation (the hook for tools that run outside this
  // folder, e.g. retrieval). Throws lmf::Error when `name` is not declared.
  void implement(const std::string& name, ToolFn implementation);

  bool has(const std::string& name) const;
  // Declared and implemented.
  bool runnable(const std::string& name) const;
  // The declared names, in declaration order.
  std::vector<std::string> names() const;
  // The definitions, in declaration order, as a JSON list (OpenAI's "tools" field).
  nlohmann::json definitions() const;
  // One tool's definition; throws lmf::Error when not declared.
  const nlohmann::json& definition(const std::string& name) const;

  // Runs a declared tool on `arguments` (a JSON object checked against its schema).
  ToolResult run(const std::string& name, const nlohmann::json& arguments) const;
  // The same with the arguments as JSON text, as a model writes them; text that is not
  // JSON is an error result.
  ToolResult run_text(const std::string& name, std::string_view arguments_json) const;

 private:
  struct Entry {
    std::string name;
    nlohmann::json definition;
    nlohmann::json parameters;  // the schema arguments are checked against
    ToolFn fn;
  };
  const Entry* find(const std::string& name) const;
  std::vector<Entry> tools_;
};

}  // namespace lmf::tools
