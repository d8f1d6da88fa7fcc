// The tool-call loop (tool_loop.h).
#include "tools/tool_loop.h"

#include "tools/tool_call.h"

namespace lmf::tools {

const char* const kToolRole = "tool";

ToolLoopResult run_tool_loop(const ToolRegistry& registry, Conversation& conv, const ReplyFn& reply,
                             int max_tool_calls, const std::function<void(const ToolEvent&)>& on_event) {
  ToolLoopResult out;
  for (;;) {
    std::string text = reply(conv);
    std::optional<ToolCall> call = find_tool_call(text);
    if (!call || out.tool_calls >= max_tool_calls) {
      out.finish_reason = call ? "tool_calls_limit" : "stop";
      out.reply = text;
      conv.push_back({"assistant", std::move(text)});
      return out;
    }
    ToolEvent ev;
    ev.index = ++out.tool_calls;
    ev.text = call->text;
    ev.before = call->before;
    if (call->ok()) {
      ev.name = call->name;
      ev.arguments = call->arguments;
    }
    if (on_event) on_event(ev);
    ev.result = call->ok() ? registry.run(call->name, call->arguments) : ToolResult::failure(call->error);
    ev.kind = ToolEvent::Result;
    if (on_event) on_event(ev);
    conv.push_back({"assistant", text.substr(0, call->end)});
    conv.push_back({kToolRole, format_tool_response(ev.result)});
  }
}

}  // namespace lmf::tools
