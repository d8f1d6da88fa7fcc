// The tool-call text format (tool_call.h).
#include "tools/tool_call.h"

namespace lmf::tools {

using nlohmann::json;

const char* const kToolCallOpen = "<tool_call>";
const char* const kToolCallClose = "</tool_call>";
const char* const kToolResponseOpen = "<tool_response>";
const char* const kToolResponseClose = "</tool_response>";

namespace {

// Why `body` is not a well-formed call, or nothing; fills name and arguments when it is.
std::string parse_body(std::string_view body, std::string& name, json& arguments) {
  const json j = json::parse(body, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) return "malformed tool call: the text between <tool_call> and </tool_call> is not JSON";
  if (!j.is_object())
    return std::string("malformed tool call: expected a JSON object {\"name\": ..., \"arguments\": {...}}, got ") +
           j.type_name();
  for (auto& [key, unused] : j.items())
    if (key != "name" && key != "arguments")
      return "malformed tool call: unknown field '" + key + "' (name, arguments)";
  if (!j.contains("name")) return "malformed tool call: missing \"name\"";
  if (!j["name"].is_string())
    return std::string("malformed tool call: \"name\" must be a string, got ") + j["name"].type_name();
  const json args = j.value("arguments", json::object());
  if (!args.is_object())
    return std::string("malformed tool call: \"arguments\" must be a JSON object, got ") + args.type_name();
  name = j["name"].get<std::string>();
  arguments = args;
  return {};
}

}  // namespace

std::optional<ToolCall> find_tool_call(std::string_view reply) {
  const std::string_view open = kToolCallOpen, close = kToolCallClose;
  const std::size_t start = reply.find(open);
  if (start == std::string_view::npos) return std::nullopt;
  const std::size_t body = start + open.size();
  const std::size_t stop = reply.find(close, body);
  if (stop == std::string_view::npos) return std::nullopt;
  ToolCall c;
  c.before = std::string(reply.substr(0, start));
  c.end = stop + close.size();
  c.text = std::string(reply.substr(start, c.end - start));
  c.error = parse_body(reply.substr(body, stop - body), c.name, c.arguments);
  return c;
}

std::string format_tool_call(const std::string& name, const json& arguments) {
  // "name" first, as documented and as models write calls (a json object would sort the keys).
  auto compact = [](const json& j) { return j.dump(-1, ' ', false, json::error_handler_t::replace); };
  return std::string(kToolCallOpen) + "{\"name\":" + compact(name) + ",\"arguments\":" + compact(arguments) + "}" +
         kToolCallClose;
}

std::string format_tool_response(const ToolResult& result) {
  return std::string(kToolResponseOpen) + result.to_json().dump(-1, ' ', false, json::error_handler_t::replace) + kToolResponseClose;
}

}  // namespace lmf::tools
