// The parameters schema subset and the arguments check (argument_schema.h).
#include "tools/argument_schema.h"

#include <cmath>
#include <set>

#include "core/error.h"

namespace lmf::tools {
namespace {

using nlohmann::json;

const std::set<std::string> kTypes = {"object", "string", "number", "integer", "boolean", "array", "null"};
const std::set<std::string> kAnnotations = {"description", "title", "default", "examples", "$comment"};

[[noreturn]] void bad(const std::string& where, const std::string& what) { throw Error(where + ": " + what); }

void check_node(const json& s, const std::string& where) {
  if (!s.is_object()) bad(where, std::string("a schema must be a JSON object, got ") + s.type_name());
  for (auto& [key, v] : s.items()) {
    const std::string at = where + "." + key;
    if (kAnnotations.count(key)) continue;
    if (key == "type") {
      const json names = v.is_array() ? v : json::array({v});
      if (names.empty()) bad(at, "an empty list of types");
      for (auto& n : names)
        if (!n.is_string() || !kTypes.count(n.get<std::string>()))
          bad(at, "unknown type " + n.dump() + " (object, string, number, integer, boolean, array or null)");
    } else if (key == "properties") {
      if (!v.is_object()) bad(at, "must be an object mapping names to schemas");
      for (auto& [name, sub] : v.items()) check_node(sub, at + "." + name);
    } else if (key == "required") {
      if (!v.is_array()) bad(at, "must be a list of property names");
      for (auto& n : v) {
        if (!n.is_string()) bad(at, "must be a list of property names, got " + n.dump());
        if (!s.contains("properties") || !s["properties"].is_object() || !s["properties"].contains(n.get<std::string>()))
          bad(at, "'" + n.get<std::string>() + "' is required but not declared in properties");
      }
    } else if (key == "enum") {
      if (!v.is_array() || v.empty()) bad(at, "must be a non-empty list of values");
    } else if (key == "additionalProperties") {
      if (!v.is_boolean()) bad(at, "must be true or false (schemas for extra properties are not supported)");
    } else if (key == "items") {
      check_node(v, at);
    } else {
      bad(at, "unsupported keyword '" + key + "' (supported: type, properties, required, enum, "
                                              "additionalProperties, items, and the annotations description, "
                                              "title, default, examples, $comment)");
    }
  }
}

std::string type_of(const json& v) {
  if (v.is_number_integer()) return "integer";
  if (v.is_number()) return "number";
  return v.type_name();  // null, boolean, string, array, object
}

bool has_type(const json& v, const std::string& t) {
  if (t == "integer") return v.is_number_integer() || (v.is_number_float() && std::isfinite(v.get<double>()) &&
                                                       std::floor(v.get<double>()) == v.get<double>());
  if (t == "number") return v.is_number();
  if (t == "object") return v.is_object();
  if (t == "array") return v.is_array();
  if (t == "string") return v.is_string();
  if (t == "boolean") return v.is_boolean();
  return v.is_null();
}

std::string join_types(const json& names) {
  std::string out;
  for (std::size_t i = 0; i < names.size(); ++i)
    out += (i ? (i + 1 == names.size() ? " or " : ", ") : "") + names[i].get<std::string>();
  return out;
}

// `path` is the argument's name ("expression", "options.mode", "values[2]"); empty at the top.
std::optional<std::string> check_value(const json& s, const json& v, const std::string& path) {
  const std::string who = path.empty() ? "arguments" : "argument '" + path + "'";
  if (s.contains("type")) {
    const json names = s["type"].is_array() ? s["type"] : json::array({s["type"]});
    bool any = false;
    for (auto& n : names) any = any || has_type(v, n.get<std::string>());
    if (!any) return who + ": expected " + join_types(names) + ", got " + type_of(v);
  }
  if (s.contains("enum")) {
    bool found = false;
    std::string allowed;
    for (auto& e : s["enum"]) {
      found = found || e == v;
      allowed += (allowed.empty() ? "" : ", ") + e.dump();
    }
    if (!found) return who + ": must be one of " + allowed + ", got " + v.dump();
  }
  if (v.is_object()) {
    const json props = s.value("properties", json::object());
    const std::string prefix = path.empty() ? "" : path + ".";
    for (auto& r : s.value("required", json::array()))
      if (!v.contains(r.get<std::string>())) return "missing required argument '" + prefix + r.get<std::string>() + "'";
    for (auto& [name, sub] : v.items()) {
      if (props.contains(name)) {
        if (auto e = check_value(props[name], sub, prefix + name)) return e;
      } else if (!s.value("additionalProperties", true)) {
        std::string declared;
        for (auto& [p, unused] : props.items()) declared += (declared.empty() ? "" : ", ") + p;
        return "unexpected argument '" + prefix + name + "' (declared: " + (declared.empty() ? "none" : declared) +
               ")";
      }
    }
  }
  if (v.is_array() && s.contains("items"))
    for (std::size_t i = 0; i < v.size(); ++i)
      if (auto e = check_value(s["items"], v[i], (path.empty() ? "arguments" : path) + "[" + std::to_string(i) + "]"))
        return e;
  return std::nullopt;
}

}  // namespace

void check_schema(const json& schema, const std::string& where) { check_node(schema, where); }

std::optional<std::string> validate_arguments(const json& schema, const json& arguments) {
  if (!arguments.is_object()) return std::string("arguments must be a JSON object, got ") + type_of(arguments);
  return check_value(schema, arguments, "");
}

}  // namespace lmf::tools
