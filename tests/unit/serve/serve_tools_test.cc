// Tool use through POST /v1/chat/completions (serve/tool_calls.h), with the official
// `openai` npm client (tests/reference/openai_tools_client.js) against a small random ChatML
// model, and the reply splitting on its own:
//   - a named tool_choice gives a call to that tool whose arguments parse and fit its
//     schema, finish_reason "tool_calls"; streamed, the assembled deltas are the same call;
//   - "required" gives a call to one of the declared tools;
//   - "auto" shows the tools in the system message exactly as `chat --tools` does (the same
//     greedy reply as that system message given by hand); "none" shows nothing;
//   - an assistant tool call and a tool message are rendered as the model writes and reads
//     them (the prompt's token count is the ChatML text's, the tokenizer being bytes);
//   - bad tools, tool_choice, tool messages and call arguments are 400s naming the field.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "infer/chat_template.h"
#include "serve/tool_calls.h"
#include "support/scaled_model.h"
#include "support/oracle.h"
#include "support/serve_process.h"
#include "tokenizer/tokenizer.h"
#include "tools/tool_call.h"
#include "tools/tool_prompt.h"
#include "tools/tool_registry.h"

using namespace lmf;
using nlohmann::json;
using ojson = nlohmann::ordered_json;

namespace {

std::string all_content(const std::vector<ojson>& deltas, json* calls = nullptr) {
  std::string s;
  for (const ojson& d : deltas) {
    if (d.contains("content")) s += d["content"].get<std::string>();
    if (calls && d.contains("tool_calls")) calls->push_back(json::parse(d["tool_calls"][0].dump()));
  }
  return s;
}

}  // namespace

TEST(ServeTools, SplitsRepliesIntoContentAndCalls) {
  const std::string call = tools::format_tool_call("calculator", {{"expression", "2+3"}});
  serve::ReplyCalls r = serve::split_tool_calls("Let me add. " + call);
  EXPECT_EQ(r.content, "Let me add.");
  ASSERT_EQ(r.tool_calls.size(), 1u);
  EXPECT_EQ(r.tool_calls[0]["type"], "function");
  EXPECT_EQ(r.tool_calls[0]["function"]["name"], "calculator");
  EXPECT_EQ(r.tool_calls[0]["function"]["arguments"], R"({"expression":"2+3"})");
  EXPECT_EQ(r.tool_calls[0]["id"].get<std::string>().rfind("call_", 0), 0u);
  r = serve::split_tool_calls(call + "\n" + call);
  EXPECT_TRUE(r.content.is_null());
  EXPECT_EQ(r.tool_calls.size(), 2u);
  r = serve::split_tool_calls("<tool_call>{\"nome\": 1}</tool_call> and <tool_call>{");  // malformed, unclosed: text
  EXPECT_EQ(r.content, "<tool_call>{\"nome\": 1}</tool_call> and <tool_call>{");
  EXPECT_TRUE(r.tool_calls.empty());

  // Streamed one byte at a time and in one piece: the same content and calls.
  for (const std::string& reply : std::vector<std::string>{"Let me add. " + call + " done", "a <tool_ b", "hi  " + call + "\n",
                                                           "<tool_call>{\"x\"}</tool_call>", "x <tool_call>{ "})
    for (size_t piece : {size_t(1), reply.size()}) {
      serve::ToolCallStream s;
      std::vector<ojson> deltas;
      for (size_t at = 0; at < reply.size(); at += piece)
        for (ojson& d : s.feed(reply.substr(at, piece))) deltas.push_back(std::move(d));
      for (ojson& d : s.finish()) deltas.push_back(std::move(d));
      json calls = json::array();
      const std::string content = all_content(deltas, &calls);
      const serve::ReplyCalls whole = serve::split_tool_calls(reply);
      EXPECT_EQ(content, whole.content.is_null() ? "" : whole.content.get<std::string>()) << reply;
      EXPECT_EQ(calls.size(), 2 * whole.tool_calls.size()) << reply;  // the call, then its arguments
      EXPECT_EQ(s.called(), !whole.tool_calls.empty());
    }
  EXPECT_EQ(serve::split_tool_calls("hi  " + call + "\n").content, "hi");
  serve::ToolCallStream s;
  const std::vector<ojson> first = s.feed("ab <tool_");  // "ab" goes; " <tool_" waits
  ASSERT_EQ(first.size(), 1u);
  EXPECT_EQ(first[0]["content"], "ab");
  EXPECT_EQ(s.feed("x")[0]["content"], " <tool_x");
}

TEST(ServeTools, OpenAiClientCallsTools) {
  // A random ChatML model with room for the tools system message.
  const std::string model = test::temp_dir() + "/m";
  const tok::Tokenizer tk = test::chatml_test_tokenizer();
  test::write_scaled_model(model, {.arch = Arch::Llama, .vocab = int64_t(tk.vocab_size()), .width = 64, .layers = 2,
                                   .heads = 4, .kv_heads = 2, .inner = 128, .positions = 1024, .seed = 9, .scale = 2.f},
                           tk);
  write_chat_template(model);
  test::ServeProcess server({"--model", model, "--alias", "arith"});
  const json weather = {{"type", "function"},
                        {"function",
                         {{"name", "get_weather"},
                          {"description", "Weather at a place"},
                          {"parameters",
                           {{"type", "object"},
                            {"properties", {{"city", {{"type", "string"}}}, {"unit", {{"type", "string"}, {"enum", {"c", "f"}}}}}},
                            {"required", {"city", "unit"}},
                            {"additionalProperties", false}}}}}};
  tools::ToolRegistry registry = tools::ToolRegistry::from_specs({"calculator"});
  registry.add(weather);
  const std::string system = tools::tools_system_message("", registry);
  const json spec = {{"url", server.url()}, {"model", "arith"}, {"tools", registry.definitions()}, {"max_tokens", 80},
                     {"tools_system_message", system}};
  const std::string spec_path = test::temp_dir() + "/spec.json";
  std::ofstream(spec_path) << spec.dump();
  std::string out;
  ASSERT_EQ(test::run_command("node " + test::source_path("tests/reference/openai_tools_client.js") + " " + spec_path, &out), 0)
      << out << "\n" << server.log();
  const json r = json::parse(out);

  // A named tool: one call to it, arguments that parse and fit the schema.
  const json& forced = r["forced"];
  EXPECT_EQ(forced["finish"], "tool_calls") << forced;
  EXPECT_TRUE(forced["content"].is_null()) << forced;
  ASSERT_EQ(forced["tool_calls"].size(), 1u) << forced;
  const json& fc = forced["tool_calls"][0];
  EXPECT_EQ(fc["type"], "function");
  EXPECT_EQ(fc["function"]["name"], "calculator");
  const json args = json::parse(fc["function"]["arguments"].get<std::string>());
  // The schema holds: a calculator error is fine, an argument error is not.
  EXPECT_EQ(registry.run("calculator", args).error.find("argument"), std::string::npos) << args;
  ASSERT_TRUE(args.is_object() && args.size() == 1 && args["expression"].is_string()) << args;
  // Streamed: the same call, assembled from its deltas.
  const json& fs = r["forced_stream"];
  EXPECT_EQ(fs["finish"], "tool_calls");
  EXPECT_EQ(fs["content"], "");
  EXPECT_EQ(fs["roles"], 1);
  ASSERT_EQ(fs["tool_calls"].size(), 1u) << fs;
  EXPECT_EQ(fs["tool_calls"][0]["function"]["name"], "calculator");
  EXPECT_EQ(fs["tool_calls"][0]["function"]["arguments"], fc["function"]["arguments"]);
  EXPECT_EQ(fs["tool_calls"][0]["id"].get<std::string>().rfind("call_", 0), 0u);

  // Required: a call to one of the declared tools, fitting that tool's schema.
  const json& req = r["required"];
  EXPECT_EQ(req["finish"], "tool_calls") << req;
  ASSERT_EQ(req["tool_calls"].size(), 1u) << req;
  const std::string name = req["tool_calls"][0]["function"]["name"];
  const tools::ToolResult checked = registry.run(name, json::parse(req["tool_calls"][0]["function"]["arguments"].get<std::string>()));
  EXPECT_EQ(checked.error.find("argument"), std::string::npos) << checked.error;
  EXPECT_TRUE(name == "calculator" || name == "get_weather") << name;

  // Auto: the tools are the system message chat --tools shows; none: they are not shown.
  EXPECT_EQ(r["auto"]["content"], r["auto_as_system"]["content"]);
  EXPECT_EQ(r["auto"]["usage"]["prompt_tokens"], r["auto_as_system"]["usage"]["prompt_tokens"]);
  EXPECT_EQ(r["none"]["content"], r["plain"]["content"]);
  EXPECT_EQ(r["none"]["usage"], r["plain"]["usage"]);

  // The round trip, rendered as the model writes and reads calls.
  const Conversation conv = {{"system", system},
                             {"user", "What is 1234 + 4321?"},
                             {"assistant", tools::format_tool_call("calculator", {{"expression", "1234 + 4321"}})},
                             {"tool", "<tool_response>{\"result\":\"5555\"}</tool_response>"}};
  EXPECT_EQ(r["round_trip"]["usage"]["prompt_tokens"], ChatTemplate(tk).prompt(conv).size());

  // Bad requests.
  const json& e = r["errors"];
  EXPECT_EQ(e["bad_tool"]["status"], 400);
  EXPECT_EQ(e["bad_tool"]["param"], "tools[0]");
  EXPECT_EQ(e["unknown_choice"]["status"], 400);
  EXPECT_EQ(e["unknown_choice"]["param"], "tool_choice");
  EXPECT_EQ(e["choice_without_tools"]["param"], "tool_choice");
  EXPECT_EQ(e["no_call_id"]["status"], 400);
  EXPECT_EQ(e["no_call_id"]["param"], "messages[1].tool_call_id");
  EXPECT_EQ(e["bad_arguments"]["status"], 400);
  EXPECT_EQ(e["bad_arguments"]["param"], "messages[1].tool_calls[0].function.arguments");
}
