// The registry of declared tools (tool_registry.h).
#include "tools/tool_registry.h"

#include <exception>

#include "core/error.h"
#include "io/atomic_file.h"
#include "tools/argument_schema.h"
#include "tools/calculator_tool.h"

namespace lmf::tools {

using nlohmann::json;

ToolResult ToolResult::success(json value) { return {true, std::move(value), {}}; }
ToolResult ToolResult::failure(std::string message) { return {false, nullptr, std::move(message)}; }
json ToolResult::to_json() const { return ok ? json{{"result", result}} : json{{"error", error}}; }

namespace {

bool valid_name(const std::string& n) {
  if (n.empty() || n.size() > 64) return false;
  for (char c : n)
    if (!((c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_' || c == '-'))
      return false;
  return true;
}

}  // namespace

ToolRegistry ToolRegistry::with_builtins() {
  ToolRegistry r;
  r.add(calculator_definition(), run_calculator, "built-in calculator");
  return r;
}

ToolRegistry ToolRegistry::from_specs(const std::vector<std::string>& specs) {
  const ToolRegistry builtins = with_builtins();
  ToolRegistry r;
  for (const std::string& s : specs) {
    if (const Entry* b = builtins.find(s)) r.add(b->definition, b->fn, "built-in " + s);
    else r.load_definitions(s);
  }
  return r;
}

void ToolRegistry::add(const json& d, ToolFn implementation, const std::string& where) {
  if (!d.is_object()) throw Error(where + ": a tool definition must be a JSON object, got " + d.type_name());
  for (auto& [key, unused] : d.items())
    if (key != "type" && key != "function") throw Error(where + ": unknown field '" + key + "' (type, function)");
  if (d.value("type", json()) != "function")
    throw Error(where + ": \"type\" must be \"function\", got " + (d.contains("type") ? d["type"].dump() : "nothing"));
  if (!d.contains("function") || !d["function"].is_object())
    throw Error(where + ": \"function\" must be an object with name, description and parameters");
  const json& f = d["function"];
  for (auto& [key, unused] : f.items())
    if (key != "name" && key != "description" && key != "parameters" && key != "strict")
      throw Error(where + ": function: unknown field '" + key + "' (name, description, parameters, strict)");
  if (!f.contains("name") || !f["name"].is_string())
    throw Error(where + ": function.name must be a string");
  const std::string name = f["name"];
  if (!valid_name(name))
    throw Error(where + ": function.name '" + name + "': use 1 to 64 letters, digits, '_' or '-'");
  const std::string at = where + " '" + name + "'";
  if (f.contains("description") && !f["description"].is_string())
    throw Error(at + ": function.description must be a string");
  if (f.contains("strict") && !f["strict"].is_boolean()) throw Error(at + ": function.strict must be true or false");
  json params = f.value("parameters", json{{"type", "object"}, {"properties", json::object()}});
  if (!params.is_object() || params.value("type", json()) != "object")
    throw Error(at + ": function.parameters must be a schema with \"type\": \"object\"");
  check_schema(params, at + ": function.parameters");
  if (has(name)) throw Error(at + ": a tool named '" + name + "' is already declared");
  tools_.push_back({name, d, std::move(params), std::move(implementation)});
}

void ToolRegistry::load_definitions(const std::string& path) {
  std::string text;
  try {
    text = io::read_file(path);
  } catch (const std::exception& e) {
    throw FormatError(path + ": cannot read the tool definitions: " + e.what());
  }
  const json list = json::parse(text, nullptr, false);
  if (list.is_discarded()) throw FormatError(path + ": not JSON (expected a list of OpenAI function definitions)");
  if (!list.is_array())
    throw FormatError(path + ": expected a JSON list of OpenAI function definitions, got " + list.type_name());
  for (std::size_t i = 0; i < list.size(); ++i) {
    try {
      add(list[i], nullptr, path + ": entry " + std::to_string(i + 1));
    } catch (const FormatError&) {
      throw;
    } catch (const Error& e) {
      throw FormatError(e.what());
    }
  }
}

void ToolRegistry::implement(const std::string& name, ToolFn implementation) {
  for (Entry& e : tools_)
    if (e.name == name) {
      e.fn = std::move(implementation);
      return;
    }
  throw Error("tool '" + name + "' is not declared");
}

const ToolRegistry::Entry* ToolRegistry::find(const std::string& name) const {
  for (const Entry& e : tools_)
    if (e.name == name) return &e;
  return nullptr;
}

bool ToolRegistry::has(const std::string& name) const { return find(name) != nullptr; }

bool ToolRegistry::runnable(const std::string& name) const {
  const Entry* e = find(name);
  return e && e->fn;
}

std::vector<std::string> ToolRegistry::names() const {
  std::vector<std::string> out;
  for (const Entry& e : tools_) out.push_back(e.name);
  return out;
}

json ToolRegistry::definitions() const {
  json out = json::array();
  for (const Entry& e : tools_) out.push_back(e.definition);
  return out;
}

const json& ToolRegistry::definition(const std::string& name) const {
  const Entry* e = find(name);
  if (!e) throw Error("tool '" + name + "' is not declared");
  return e->definition;
}

ToolResult ToolRegistry::run(const std::string& name, const json& arguments) const {
  const Entry* e = find(name);
  if (!e) {
    std::string declared;
    for (const Entry& t : tools_) declared += (declared.empty() ? "" : ", ") + t.name;
    return ToolResult::failure("unknown tool '" + name + "' (declared: " + (declared.empty() ? "none" : declared) +
                               ")");
  }
  if (auto bad = validate_arguments(e->parameters, arguments))
    return ToolResult::failure("invalid arguments for '" + name + "': " + *bad);
  if (!e->fn) return ToolResult::failure("tool '" + name + "' is declared but has no implementation here");
  try {
    return e->fn(arguments);
  } catch (const std::exception& ex) {
    return ToolResult::failure("tool '" + name + "' failed: " + ex.what());
  }
}

ToolResult ToolRegistry::run_text(const std::string& name, std::string_view arguments_json) const {
  json args;
  try {
    args = json::parse(arguments_json);
  } catch (const json::parse_error& e) {
    return ToolResult::failure("arguments for '" + name + "' are not JSON: " + e.what());
  }
  return run(name, args);
}

}  // namespace lmf::tools
