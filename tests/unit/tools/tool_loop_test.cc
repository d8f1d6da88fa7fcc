// The tool-call format and loop, driven by a scripted model (replies from a fixed list,
// each prompt it was asked recorded): a calculator call whose result reaches the next
// prompt, a malformed call, an unknown tool, a tool error, arguments outside the schema,
// text after a call dropped, the call limit — and the ChatML rendering of the tool turn.
#include "tools/tool_loop.h"

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "infer/chat_template.h"
#include "support/byte_tokenizer.h"
#include "tools/tool_call.h"

using namespace lmf;
using namespace lmf::tools;
using nlohmann::json;

namespace {

// A model whose replies are a fixed list, given in order; it records every conversation it
// is asked to continue. Asking for more replies than scripted fails the test.
struct ScriptedModel {
  std::vector<std::string> replies;
  std::vector<Conversation> seen;
  std::string operator()(const Conversation& c) {
    seen.push_back(c);
    if (seen.size() > replies.size()) {
      ADD_FAILURE() << "the model was asked for reply " << seen.size() << " of " << replies.size();
      return "";
    }
    return replies[seen.size() - 1];
  }
  ReplyFn fn() {
    return [this](const Conversation& c) { return (*this)(c); };
  }
};

// The error a tool message holds; a failure of the test when it holds no error.
std::string error_in(const Message& m) {
  EXPECT_EQ(m.role, "tool");
  const std::string open = kToolResponseOpen, close = kToolResponseClose;
  EXPECT_TRUE(m.content.starts_with(open) && m.content.ends_with(close)) << m.content;
  const json j = json::parse(m.content.substr(open.size(), m.content.size() - open.size() - close.size()));
  EXPECT_TRUE(j.contains("error")) << m.content;
  return j.value("error", "");
}

void expect_contains(const std::string& text, const std::string& part) {
  EXPECT_NE(text.find(part), std::string::npos) << "'" << part << "' not in: " << text;
}

// One call that goes wrong, then a plain answer: the loop gives the error back and ends.
std::string error_after(const std::string& call) {
  ScriptedModel m{{call, "Sorry."}};
  Conversation conv = {{"user", "Compute."}};
  ToolLoopResult r = run_tool_loop(ToolRegistry::with_builtins(), conv, m.fn(), 4);
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.tool_calls, 1);
  EXPECT_EQ(r.reply, "Sorry.");
  EXPECT_EQ(m.seen.size(), 2u);
  if (conv.size() != 4) {
    ADD_FAILURE() << "conversation of " << conv.size() << " messages";
    return "";
  }
  EXPECT_EQ(conv[1].content, call);
  return error_in(conv[2]);
}

}  // namespace

TEST(ToolCall, ParsesTheFirstCompleteCall) {
  auto c = find_tool_call(
      "Let me compute.\n<tool_call>\n{\"name\": \"calculator\", \"arguments\": {\"expression\": \"2+3\"}}\n"
      "</tool_call> and <tool_call>{\"name\": \"other\"}</tool_call>");
  ASSERT_TRUE(c);
  ASSERT_TRUE(c->ok()) << c->error;
  EXPECT_EQ(c->before, "Let me compute.\n");
  EXPECT_EQ(c->name, "calculator");
  EXPECT_EQ(c->arguments, json({{"expression", "2+3"}}));
  EXPECT_TRUE(c->text.starts_with("<tool_call>\n{") && c->text.ends_with("}\n</tool_call>")) << c->text;
  // No call, and an opening tag never closed, are text.
  EXPECT_FALSE(find_tool_call("The answer is 5."));
  EXPECT_FALSE(find_tool_call("<tool_call>{\"name\": \"calculator\""));
  // Absent arguments are {}; format and find round-trip.
  auto bare = find_tool_call("<tool_call>{\"name\": \"now\"}</tool_call>");
  ASSERT_TRUE(bare && bare->ok());
  EXPECT_EQ(bare->arguments, json::object());
  const json args = {{"expression", "1/3"}, {"note", "\"quoted\" \xC3\xA9"}};
  auto back = find_tool_call(format_tool_call("calculator", args));
  ASSERT_TRUE(back && back->ok());
  EXPECT_EQ(back->name, "calculator");
  EXPECT_EQ(back->arguments, args);
  EXPECT_EQ(format_tool_response(ToolResult::success("5")), "<tool_response>{\"result\":\"5\"}</tool_response>");
  EXPECT_EQ(format_tool_response(ToolResult::failure("no")), "<tool_response>{\"error\":\"no\"}</tool_response>");
}

TEST(ToolCall, MalformedCallsAreErrors) {
  auto error = [](const std::string& body) {
    auto c = find_tool_call("<tool_call>" + body + "</tool_call>");
    EXPECT_TRUE(c && !c->ok()) << body;
    return c ? c->error : std::string();
  };
  expect_contains(error("{\"name\": \"calculator\", "), "not JSON");
  expect_contains(error("[\"calculator\"]"), "expected a JSON object");
  expect_contains(error("{\"arguments\": {}}"), "missing \"name\"");
  expect_contains(error("{\"name\": 7, \"arguments\": {}}"), "\"name\" must be a string");
  expect_contains(error("{\"name\": \"calculator\", \"arguments\": \"{\\\"expression\\\": \\\"1\\\"}\"}"),
                  "\"arguments\" must be a JSON object");
  expect_contains(error("{\"name\": \"calculator\", \"arguments\": {}, \"id\": 1}"), "unknown field 'id'");
}

TEST(ToolLoop, ACalculatorCallsResultReachesTheNextPrompt) {
  ScriptedModel m{{"I will add them.<tool_call>{\"name\": \"calculator\", \"arguments\": {\"expression\": "
                   "\"1234 + 4321\"}}</tool_call><tool_response>{\"result\": \"0\"}</tool_response>",
                   "1234 + 4321 = 5555."}};
  Conversation conv = {{"system", "Use tools."}, {"user", "What is 1234 + 4321?"}};
  std::vector<ToolEvent> events;
  ToolLoopResult r = run_tool_loop(ToolRegistry::with_builtins(), conv, m.fn(), 4,
                                   [&](const ToolEvent& e) { events.push_back(e); });
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.tool_calls, 1);
  EXPECT_EQ(r.reply, "1234 + 4321 = 5555.");
  ASSERT_EQ(m.seen.size(), 2u);
  EXPECT_EQ(m.seen[0].size(), 2u);
  // The second prompt holds the call (the model's invented response after it dropped) and
  // the calculator's true result as a tool message.
  ASSERT_EQ(m.seen[1].size(), 4u);
  EXPECT_EQ(m.seen[1][2].role, "assistant");
  EXPECT_EQ(m.seen[1][2].content,
            "I will add them.<tool_call>{\"name\": \"calculator\", \"arguments\": {\"expression\": \"1234 + 4321\"}}"
            "</tool_call>");
  EXPECT_EQ(m.seen[1][3].role, "tool");
  EXPECT_EQ(m.seen[1][3].content, "<tool_response>{\"result\":\"5555\"}</tool_response>");
  ASSERT_EQ(conv.size(), 5u);
  EXPECT_EQ(conv[4].role, "assistant");
  EXPECT_EQ(conv[4].content, r.reply);
  // Events: the call before it runs, then its result.
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, ToolEvent::Call);
  EXPECT_EQ(events[0].index, 1);
  EXPECT_EQ(events[0].before, "I will add them.");
  EXPECT_EQ(events[0].name, "calculator");
  EXPECT_EQ(events[0].arguments, json({{"expression", "1234 + 4321"}}));
  EXPECT_EQ(events[1].kind, ToolEvent::Result);
  EXPECT_TRUE(events[1].result.ok);
  EXPECT_EQ(events[1].result.result, "5555");

  // ChatML renders the tool turn like any other message.
  const tok::Tokenizer tk = test::byte_tokenizer(true);
  Conversation upto(conv.begin(), conv.end() - 1);
  std::vector<int32_t> ids = ChatTemplate(tk).prompt(upto);
  EXPECT_EQ(tk.decode_bytes(ids),
            "<|im_start|>system\nUse tools.<|im_end|>\n<|im_start|>user\nWhat is 1234 + 4321?<|im_end|>\n"
            "<|im_start|>assistant\nI will add them.<tool_call>{\"name\": \"calculator\", \"arguments\": "
            "{\"expression\": \"1234 + 4321\"}}</tool_call><|im_end|>\n"
            "<|im_start|>tool\n<tool_response>{\"result\":\"5555\"}</tool_response><|im_end|>\n"
            "<|im_start|>assistant\n");
}

TEST(ToolLoop, AMalformedCallIsAnErrorForTheModel) {
  expect_contains(error_after("<tool_call>{\"name\": \"calculator\", \"arguments\": {\"expression\": </tool_call>"),
                  "not JSON");
  expect_contains(error_after("<tool_call>{\"arguments\": {\"expression\": \"1\"}}</tool_call>"), "missing \"name\"");
}

TEST(ToolLoop, AnUnknownToolDoesNotRun) {
  const std::string e = error_after("<tool_call>{\"name\": \"shell\", \"arguments\": {\"cmd\": \"ls\"}}</tool_call>");
  expect_contains(e, "unknown tool 'shell'");
  expect_contains(e, "declared: calculator");
}

TEST(ToolLoop, AToolErrorIsGivenBack) {
  EXPECT_EQ(error_after("<tool_call>{\"name\": \"calculator\", \"arguments\": {\"expression\": \"1/0\"}}</tool_call>"),
            "division by zero at position 2");
}

TEST(ToolLoop, ArgumentsOutsideTheSchemaDoNotRun) {
  // A declared tool whose implementation must never see bad arguments.
  ToolRegistry reg;
  int runs = 0;
  reg.add(json::parse(R"({"type": "function", "function": {"name": "lookup", "parameters": {"type": "object",
            "properties": {"key": {"type": "string"}}, "required": ["key"], "additionalProperties": false}}})"),
          [&](const json&) {
            ++runs;
            return ToolResult::success("found");
          });
  ScriptedModel m{{"<tool_call>{\"name\": \"lookup\", \"arguments\": {\"key\": 5}}</tool_call>",
                   "<tool_call>{\"name\": \"lookup\", \"arguments\": {}}</tool_call>",
                   "<tool_call>{\"name\": \"lookup\", \"arguments\": {\"key\": \"a\", \"extra\": 1}}</tool_call>",
                   "<tool_call>{\"name\": \"lookup\", \"arguments\": {\"key\": \"a\"}}</tool_call>", "Done."}};
  Conversation conv = {{"user", "Look up a."}};
  ToolLoopResult r = run_tool_loop(reg, conv, m.fn(), 4);
  EXPECT_EQ(r.finish_reason, "stop");
  EXPECT_EQ(r.tool_calls, 4);
  EXPECT_EQ(runs, 1);
  ASSERT_EQ(conv.size(), 10u);
  for (int i : {2, 4, 6}) expect_contains(error_in(conv[i]), "invalid arguments for 'lookup'");
  EXPECT_EQ(conv[8].content, "<tool_response>{\"result\":\"found\"}</tool_response>");
}

TEST(ToolLoop, TheCallLimitEndsTheLoop) {
  const std::string call = "<tool_call>{\"name\": \"calculator\", \"arguments\": {\"expression\": \"2^10\"}}</tool_call>";
  // Two calls allowed: the third reply is asked for, its call is not run.
  ScriptedModel m{{call, call, "Once more: " + call}};
  Conversation conv = {{"user", "Loop."}};
  int results = 0;
  ToolLoopResult r = run_tool_loop(ToolRegistry::with_builtins(), conv, m.fn(), 2, [&](const ToolEvent& e) {
    if (e.kind == ToolEvent::Result) ++results;
  });
  EXPECT_EQ(r.finish_reason, "tool_calls_limit");
  EXPECT_EQ(r.tool_calls, 2);
  EXPECT_EQ(results, 2);
  EXPECT_EQ(m.seen.size(), 3u);
  EXPECT_EQ(r.reply, "Once more: " + call);
  ASSERT_EQ(conv.size(), 6u);
  EXPECT_EQ(conv[2].content, "<tool_response>{\"result\":\"1024\"}</tool_response>");
  EXPECT_EQ(conv[5].role, "assistant");
  EXPECT_EQ(conv[5].content, r.reply);

  // At the limit a reply without a call still ends with "stop"; a limit of 0 runs nothing.
  ScriptedModel answer{{call, "1024"}};
  Conversation c2 = {{"user", "2^10?"}};
  EXPECT_EQ(run_tool_loop(ToolRegistry::with_builtins(), c2, answer.fn(), 1).finish_reason, "stop");
  ScriptedModel none{{call}};
  Conversation c3 = {{"user", "2^10?"}};
  ToolLoopResult r3 = run_tool_loop(ToolRegistry::with_builtins(), c3, none.fn(), 0);
  EXPECT_EQ(r3.finish_reason, "tool_calls_limit");
  EXPECT_EQ(r3.tool_calls, 0);
  EXPECT_EQ(c3.size(), 2u);
}
