// Tool use in POST /v1/chat/completions, in OpenAI's shapes. The server declares and shows
// tools and reports the model's calls; it never runs a tool (the client does, as with
// OpenAI).
//
// Request:
//   tools         a list of function definitions {"type":"function","function":{"name",
//                 "description","parameters"}} (tools/tool_registry.h checks them; a bad
//                 one is a 400 naming "tools[i]")
//   tool_choice   "none": the tools are not shown and replies are plain text;
//                 "auto" (the default with tools): shown, and a call in the reply is reported;
//                 "required", or {"type":"function","function":{"name":NAME}}: the reply
//                 is forced to be one call — the prompt ends with "<tool_call>" and the body
//                 is decoded under a JSON constraint (infer/json_constraint.h) of
//                 {"name": one of the allowed names, "arguments": that tool's parameters},
//                 so it always parses and fits the schema unless max_tokens runs out first
//   messages      assistant messages may carry "tool_calls" (their arguments a JSON string)
//                 and are rendered as the model writes calls (tools/tool_call.h), after the
//                 content when there is any, one call a line; a "tool" message needs a string
//                 "tool_call_id" and is rendered "<tool_response>CONTENT</tool_response>"
// The tools are shown in the system message (tools/tool_prompt.h: the first system
// message's text, then the tools; a system message is added first when there is none).
//
// Response: each well-formed call in the reply becomes an entry of message.tool_calls,
// {"id": "call_…", "type": "function", "function": {"name", "arguments": compact JSON
// text}}, and finish_reason is "tool_calls"; the text outside calls is the content, its
// trailing whitespace dropped (null when nothing is left). A malformed or unclosed call
// stays text. Streaming: content
// deltas as the text comes (a possible "<tool_call>" held back until it is decided), and
// for each call, when its closing tag arrives, a delta {"tool_calls": [{"index", "id",
// "type", "function": {"name", "arguments": ""}}]} then one with the arguments text.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "infer/chat_template.h"
#include "tools/tool_registry.h"

namespace lmf::serve {

struct ChatTools {
  tools::ToolRegistry registry;  // the request's tools
  std::string choice = "none";   // "none", "auto", "required" or "function"
  std::string function;          // the name, for choice "function"
  bool shown() const { return choice != "none"; }
  bool forced() const { return choice == "required" || choice == "function"; }
};

// `tools` and `tool_choice` of a request body (ApiError 400 naming the field).
ChatTools parse_chat_tools(const nlohmann::ordered_json& body);

// The text of an assistant message `msg` with tool_calls, after `content` (ApiError 400
// naming `at` for a malformed call).
std::string assistant_tool_calls_text(const std::string& content, const nlohmann::ordered_json& msg, const std::string& at);
// The rendered content of a "tool" message (ApiError 400 naming `at` without a string
// tool_call_id).
std::string tool_message_text(const std::string& content, const nlohmann::ordered_json& msg, const std::string& at);

// Puts the tools system message first in `conv` (when t.shown()).
void show_tools(Conversation& conv, const ChatTools& t);

// For a forced call: the schema the call's JSON body is decoded under.
nlohmann::ordered_json forced_call_schema(const ChatTools& t);

// A reply's content (without trailing whitespace, null when empty, when there are calls)
// and tool_calls.
struct ReplyCalls {
  nlohmann::ordered_json content, tool_calls = nlohmann::ordered_json::array();
};
ReplyCalls split_tool_calls(const std::string& reply);

// The streaming form: feed() the reply's text as it comes, finish() at the end; each
// returns the deltas to send (objects with "content" or "tool_calls").
class ToolCallStream {
 public:
  std::vector<nlohmann::ordered_json> feed(const std::string& text);
  std::vector<nlohmann::ordered_json> finish();
  bool called() const { return calls_ > 0; }

 private:
  void content(std::vector<nlohmann::ordered_json>& out, std::string text);
  std::string pending_, held_space_;
  bool in_call_ = false;
  int calls_ = 0;
};

}  // namespace lmf::serve
