// The tool registry: the built-in calculator through run(), arguments checked against the
// declared schema (missing, wrong type, extra, enum, nested), unknown and unimplemented
// tools as error results, and --tools files read with errors naming the file and entry.
#include "tools/tool_registry.h"

#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <stdexcept>

#include "core/error.h"
#include "support/oracle.h"

using namespace lmf::tools;
using nlohmann::json;

namespace {

// The error text of a failed run; a failure of the test when it succeeded.
std::string error_of(const ToolResult& r) {
  EXPECT_FALSE(r.ok) << r.to_json().dump();
  return r.error;
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

// A user tool with an enum, a nested object, an array of integers and a nullable string.
json weather_definition() {
  return json::parse(R"({"type": "function", "function": {
    "name": "get_weather", "description": "Weather at a place",
    "parameters": {"type": "object",
      "properties": {
        "city": {"type": "string", "description": "the city"},
        "unit": {"type": "string", "enum": ["c", "f"]},
        "options": {"type": "object", "properties": {"mode": {"enum": ["fast", "exact"]}},
                    "additionalProperties": false},
        "days": {"type": "array", "items": {"type": "integer"}},
        "ratio": {"type": "number"},
        "note": {"type": ["string", "null"]},
        "detailed": {"type": "boolean"}},
      "required": ["city", "unit"],
      "additionalProperties": false}}})");
}

std::string write_file(const std::string& name, const std::string& text) {
  const std::string path = lmf::test::temp_dir() + "/" + name;
  std::ofstream(path) << text;
  return path;
}

std::string load_error(const std::string& text) {
  const std::string path = write_file("tools.json", text);
  ToolRegistry r = ToolRegistry::with_builtins();
  try {
    r.load_definitions(path);
  } catch (const lmf::FormatError& e) {
    const std::string m = e.what();
    expect_contains(m, path);
    return m;
  }
  ADD_FAILURE() << "no error for " << text;
  return "";
}

}  // namespace

TEST(ToolRegistry, CalculatorRunsThroughTheRegistry) {
  const ToolRegistry r = ToolRegistry::with_builtins();
  ASSERT_TRUE(r.has("calculator"));
  EXPECT_TRUE(r.runnable("calculator"));
  const ToolResult ok = r.run("calculator", {{"expression", "1234+4321"}});
  ASSERT_TRUE(ok.ok) << ok.error;
  EXPECT_EQ(ok.to_json(), json({{"result", "5555"}}));
  EXPECT_EQ(r.run_text("calculator", R"({"expression": "7/-14"})").to_json(), json({{"result", "-1/2"}}));
  const ToolResult bad = r.run("calculator", {{"expression", "1/0"}});
  EXPECT_EQ(bad.to_json(), json({{"error", "division by zero at position 2"}}));
  // The definition is OpenAI's shape.
  const json d = r.definitions();
  ASSERT_EQ(d.size(), 1u);
  EXPECT_EQ(d[0]["type"], "function");
  EXPECT_EQ(d[0]["function"]["name"], "calculator");
  EXPECT_EQ(d[0]["function"]["parameters"]["required"], json::array({"expression"}));
  EXPECT_EQ(d[0]["function"]["parameters"]["properties"]["expression"]["type"], "string");
}

TEST(ToolRegistry, CalculatorArgumentsAreChecked) {
  const ToolRegistry r = ToolRegistry::with_builtins();
  expect_contains(error_of(r.run("calculator", json::object())), "missing required argument 'expression'");
  expect_contains(error_of(r.run("calculator", {{"expression", 5}})),
                  "argument 'expression': expected string, got integer");
  expect_contains(error_of(r.run("calculator", {{"expression", "1"}, {"precision", 3}})),
                  "unexpected argument 'precision' (declared: expression)");
  expect_contains(error_of(r.run("calculator", json::array({"1+1"}))), "arguments must be a JSON object, got array");
  expect_contains(error_of(r.run_text("calculator", "{\"expression\": ")), "arguments for 'calculator' are not JSON");
  expect_contains(error_of(r.run_text("calculator", "1+1")), "not JSON");
  expect_contains(error_of(r.run("calculator", {{"expression", "2^"}})), "missing operand at position 3");
}

TEST(ToolRegistry, UnknownAndUnimplementedToolsNeverRun) {
  ToolRegistry r = ToolRegistry::with_builtins();
  expect_contains(error_of(r.run("rm", {{"path", "/"}})), "unknown tool 'rm' (declared: calculator)");
  r.add(weather_definition());
  EXPECT_TRUE(r.has("get_weather"));
  EXPECT_FALSE(r.runnable("get_weather"));
  const json args = {{"city", "Seoul"}, {"unit", "c"}};
  expect_contains(error_of(r.run("get_weather", args)), "tool 'get_weather' is declared but has no implementation");
  // Arguments are checked before the implementation is looked for.
  expect_contains(error_of(r.run("get_weather", {{"city", "Seoul"}})), "missing required argument 'unit'");
  int calls = 0;
  r.implement("get_weather", [&](const json& a) {
    ++calls;
    return ToolResult::success(a["city"].get<std::string>() + " 21" + a["unit"].get<std::string>());
  });
  EXPECT_EQ(r.run("get_weather", args).to_json(), json({{"result", "Seoul 21c"}}));
  EXPECT_EQ(calls, 1);
  EXPECT_THROW(r.implement("nope", nullptr), lmf::Error);
  r.implement("get_weather", [](const json&) -> ToolResult { throw std::runtime_error("backend down"); });
  EXPECT_EQ(error_of(r.run("get_weather", args)), "tool 'get_weather' failed: backend down");
  EXPECT_EQ(r.names(), (std::vector<std::string>{"calculator", "get_weather"}));
}

TEST(ToolSchema, ArgumentsAgainstTheDeclaredSchema) {
  ToolRegistry r;
  r.add(weather_definition(), [](const json&) { return ToolResult::success("ok"); });
  auto run = [&](json extra) {
    json a = {{"city", "Seoul"}, {"unit", "c"}};
    a.update(extra);
    return r.run("get_weather", a);
  };
  EXPECT_TRUE(run(json::object()).ok);
  EXPECT_TRUE(run({{"days", {1, 2.0, -3}}, {"ratio", 0.5}, {"note", nullptr}, {"detailed", true}}).ok);
  EXPECT_TRUE(run({{"options", {{"mode", "exact"}}}, {"ratio", 2}, {"note", "x"}}).ok);
  EXPECT_EQ(error_of(run({{"unit", "k"}})), "invalid arguments for 'get_weather': argument 'unit': must be one of "
                                            "\"c\", \"f\", got \"k\"");
  expect_contains(error_of(run({{"unit", 1}})), "argument 'unit': expected string, got integer");
  expect_contains(error_of(run({{"wind", true}})), "unexpected argument 'wind'");
  expect_contains(error_of(run({{"options", {{"mode", "slow"}}}})), "argument 'options.mode': must be one of");
  expect_contains(error_of(run({{"options", {{"mode", "fast"}, {"x", 1}}}})), "unexpected argument 'options.x'");
  expect_contains(error_of(run({{"options", "fast"}})), "argument 'options': expected object, got string");
  expect_contains(error_of(run({{"days", {1, 2.5}}})), "argument 'days[1]': expected integer, got number");
  expect_contains(error_of(run({{"days", 3}})), "argument 'days': expected array, got integer");
  expect_contains(error_of(run({{"ratio", true}})), "argument 'ratio': expected number, got boolean");
  expect_contains(error_of(run({{"ratio", "1"}})), "argument 'ratio': expected number, got string");
  expect_contains(error_of(run({{"note", 3}})), "argument 'note': expected string or null, got integer");
  expect_contains(error_of(run({{"detailed", 1}})), "argument 'detailed': expected boolean, got integer");
  expect_contains(error_of(r.run("get_weather", {{"unit", "c"}})), "missing required argument 'city'");
}

TEST(ToolSchema, DefinitionsOutsideTheSubsetAreRefused) {
  auto add_error = [](const json& d) -> std::string {
    ToolRegistry r = ToolRegistry::with_builtins();
    try {
      r.add(d, nullptr, "def");
    } catch (const lmf::Error& e) {
      return e.what();
    }
    ADD_FAILURE() << "accepted: " << d.dump();
    return "";
  };
  json d = weather_definition();
  d["function"]["parameters"]["properties"]["city"]["pattern"] = "^[A-Z]";
  expect_contains(add_error(d), "def 'get_weather': function.parameters.properties.city.pattern: unsupported keyword "
                                "'pattern'");
  d = weather_definition();
  d["function"]["parameters"]["required"].push_back("country");
  expect_contains(add_error(d), "'country' is required but not declared in properties");
  d = weather_definition();
  d["function"]["parameters"]["properties"]["unit"]["enum"] = json::array();
  expect_contains(add_error(d), "properties.unit.enum: must be a non-empty list");
  d = weather_definition();
  d["function"]["parameters"]["properties"]["unit"]["type"] = "text";
  expect_contains(add_error(d), "unknown type \"text\"");
  d = weather_definition();
  d["function"]["parameters"]["type"] = "array";
  expect_contains(add_error(d), "function.parameters must be a schema with \"type\": \"object\"");
  d = weather_definition();
  d["function"]["name"] = "get weather";
  expect_contains(add_error(d), "function.name 'get weather': use 1 to 64 letters, digits, '_' or '-'");
  d = weather_definition();
  d["type"] = "tool";
  expect_contains(add_error(d), "\"type\" must be \"function\"");
  d = weather_definition();
  d["function"]["parameters"]["additionalProperties"] = json::object();
  expect_contains(add_error(d), "additionalProperties: must be true or false");
  d = weather_definition();
  d["function"]["name"] = "calculator";
  expect_contains(add_error(d), "a tool named 'calculator' is already declared");
  // No parameters: a tool without arguments.
  ToolRegistry r;
  r.add(json::parse(R"({"type": "function", "function": {"name": "now"}})"),
        [](const json&) { return ToolResult::success("noon"); });
  EXPECT_EQ(r.run("now", json::object()).to_json(), json({{"result", "noon"}}));
}

TEST(ToolRegistry, LoadsDefinitionsFromAFile) {
  ToolRegistry r = ToolRegistry::with_builtins();
  json list = json::array({weather_definition(), json::parse(R"({"type": "function", "function": {"name": "now"}})")});
  r.load_definitions(write_file("ok.json", list.dump()));
  EXPECT_EQ(r.names(), (std::vector<std::string>{"calculator", "get_weather", "now"}));
  EXPECT_EQ(r.definitions()[1], weather_definition());
  EXPECT_EQ(r.definition("now")["function"]["name"], "now");
  EXPECT_THROW(r.definition("nope"), lmf::Error);

  expect_contains(load_error("[{"), "not JSON");
  expect_contains(load_error(R"({"tools": []})"), "expected a JSON list of OpenAI function definitions, got object");
  json bad = list;
  bad[1]["function"]["parameters"] = {{"type", "object"}, {"properties", {{"n", {{"minimum", 0}}}}}};
  expect_contains(load_error(bad.dump()), ": entry 2 'now': function.parameters.properties.n.minimum: unsupported "
                                          "keyword 'minimum'");
  bad = list;
  bad[0] = "get_weather";
  expect_contains(load_error(bad.dump()), ": entry 1: a tool definition must be a JSON object, got string");
  expect_contains(load_error(json::array({list[1], list[1]}).dump()),
                  ": entry 2 'now': a tool named 'now' is already declared");
  ToolRegistry missing;
  EXPECT_THROW(missing.load_definitions(lmf::test::temp_dir() + "/absent.json"), lmf::FormatError);
}
