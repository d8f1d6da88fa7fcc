// `lmforge tools run` and `tools list` as a script runs them: the JSON on stdout and the
// exit status (0 with {"result"}, 1 with {"error"}, 2 for a wrong command line).
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "support/oracle.h"

using nlohmann::json;

namespace {

struct Outcome {
  int rc = 0;
  std::string out;  // stdout only
};

Outcome lmforge(const std::string& args) {
  Outcome r;
  r.rc = lmf::test::run_command(std::string(LMFORGE_BINARY) + " " + args + " 2>/dev/null", &r.out);
  return r;
}

json error_json(const Outcome& o) {
  EXPECT_EQ(o.rc, 1) << o.out;
  const json j = json::parse(o.out, nullptr, false);
  EXPECT_TRUE(j.is_object() && j.size() == 1 && j.contains("error") && j["error"].is_string()) << o.out;
  return j;
}

}  // namespace

TEST(ToolsCli, RunPrintsTheResultAsJson) {
  const Outcome o = lmforge(R"(tools run calculator '{"expression":"1234+4321"}')");
  EXPECT_EQ(o.rc, 0);
  EXPECT_EQ(o.out, "{\"result\":\"5555\"}\n");
  const Outcome f = lmforge(R"(tools run calculator '{"expression":"-2^2 + 7/-14"}')");
  EXPECT_EQ(f.rc, 0);
  EXPECT_EQ(f.out, "{\"result\":\"-9/2\"}\n");
}

TEST(ToolsCli, ErrorsPrintErrorJsonAndExitOne) {
  EXPECT_EQ(error_json(lmforge(R"(tools run calculator '{"expression":"1/0"}')"))["error"],
            "division by zero at position 2");
  EXPECT_NE(error_json(lmforge(R"(tools run nope '{}')"))["error"].get<std::string>().find("unknown tool 'nope'"),
            std::string::npos);
  EXPECT_NE(error_json(lmforge(R"(tools run calculator 'not json')"))["error"].get<std::string>().find("not JSON"),
            std::string::npos);
  EXPECT_NE(error_json(lmforge(R"(tools run calculator '{"expr":"1"}')"))["error"].get<std::string>().find(
                "missing required argument 'expression'"),
            std::string::npos);
  EXPECT_EQ(lmforge("tools run calculator").rc, 2);  // no arguments: a usage error
}

TEST(ToolsCli, ListPrintsDefinitionsAndReadsToolsFiles) {
  const Outcome o = lmforge("tools list");
  ASSERT_EQ(o.rc, 0);
  const json list = json::parse(o.out);
  ASSERT_TRUE(list.is_array());
  ASSERT_EQ(list.size(), 1u);
  EXPECT_EQ(list[0]["function"]["name"], "calculator");

  const std::string file = lmf::test::temp_dir() + "/tools.json";
  std::ofstream(file) << R"([{"type": "function", "function": {"name": "lookup",
    "parameters": {"type": "object", "properties": {"q": {"type": "string"}}, "required": ["q"]}}}])";
  const json both = json::parse(lmforge("tools list --tools " + file).out);
  ASSERT_EQ(both.size(), 2u);
  EXPECT_EQ(both[1]["function"]["name"], "lookup");
  // Declared but not implemented here: an error result, not a crash.
  EXPECT_NE(error_json(lmforge("tools run lookup '{\"q\":\"x\"}' --tools " + file))["error"].get<std::string>().find(
                "no implementation"),
            std::string::npos);
  // A broken tools file is a run-time failure naming the file.
  std::ofstream(file) << "[1]";
  Outcome bad;
  bad.rc = lmf::test::run_command(std::string(LMFORGE_BINARY) + " tools list --tools " + file + " 2>&1", &bad.out);
  EXPECT_EQ(bad.rc, 1);
  EXPECT_NE(bad.out.find(file + ": entry 1"), std::string::npos) << bad.out;
}
