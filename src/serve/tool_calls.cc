#include "serve/tool_calls.h"

#include "core/error.h"
#include "serve/api_error.h"
#include "serve/random_id.h"
#include "tools/tool_call.h"
#include "tools/tool_loop.h"
#include "tools/tool_prompt.h"

namespace lmf::serve {
namespace {

using json = nlohmann::ordered_json;

std::string compact(const nlohmann::json& j) { return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace); }

json call_entry(const tools::ToolCall& c) {
  return {{"id", random_id("call_")}, {"type", "function"}, {"function", {{"name", c.name}, {"arguments", compact(c.arguments)}}}};
}

// The length of the longest suffix of s that is a proper prefix of tag.
size_t partial_tag(const std::string& s, const std::string& tag) {
  for (size_t n = std::min(s.size(), tag.size() - 1); n > 0; --n)
    if (s.compare(s.size() - n, n, tag, 0, n) == 0) return n;
  return 0;
}

}  // namespace

ChatTools parse_chat_tools(const json& body) {
  ChatTools t;
  const bool has_tools = body.contains("tools") && !body["tools"].is_null();
  if (has_tools) {
    if (!body["tools"].is_array()) throw ApiError(400, "'tools' must be a list of function definitions", "tools", "invalid_type");
    for (size_t i = 0; i < body["tools"].size(); ++i) {
      const std::string at = "tools[" + std::to_string(i) + "]";
      try {
        t.registry.add(nlohmann::json::parse(body["tools"][i].dump()), nullptr, at);
      } catch (const Error& e) {
        throw ApiError(400, e.what(), at, "invalid_value");
      }
    }
  }
  const bool any = has_tools && !body["tools"].empty();
  t.choice = any ? "auto" : "none";
  if (!body.contains("tool_choice") || body["tool_choice"].is_null()) return t;
  const json& c = body["tool_choice"];
  if (c.is_string()) {
    const std::string s = c;
    if (s != "none" && s != "auto" && s != "required")
      throw ApiError(400, "'tool_choice' must be none, auto, required or a function, got '" + s + "'", "tool_choice",
                     "invalid_value");
    t.choice = s;
  } else if (c.is_object() && c.value("type", "") == "function" && c.contains("function") && c["function"].is_object() &&
             c["function"].contains("name") && c["function"]["name"].is_string()) {
    t.choice = "function";
    t.function = c["function"]["name"];
    if (!t.registry.has(t.function))
      throw ApiError(400, "'tool_choice' names the function '" + t.function + "', which 'tools' does not declare",
                     "tool_choice", "invalid_value");
  } else {
    throw ApiError(400, "'tool_choice' must be a string or {\"type\":\"function\",\"function\":{\"name\":…}}",
                   "tool_choice", "invalid_type");
  }
  if (t.choice != "none" && !any)
    throw ApiError(400, "'tool_choice' " + t.choice + " needs a non-empty 'tools' list", "tool_choice", "invalid_value");
  return t;
}

std::string assistant_tool_calls_text(const std::string& content, const json& msg, const std::string& at) {
  const json& calls = msg["tool_calls"];
  if (!calls.is_array()) throw ApiError(400, "'" + at + ".tool_calls' must be a list", at + ".tool_calls", "invalid_type");
  std::string text = content;
  for (size_t k = 0; k < calls.size(); ++k) {
    const std::string here = at + ".tool_calls[" + std::to_string(k) + "]";
    const json& c = calls[k];
    if (!c.is_object() || !c.contains("function") || !c["function"].is_object() || !c["function"].contains("name") ||
        !c["function"]["name"].is_string() || !c["function"].contains("arguments") || !c["function"]["arguments"].is_string())
      throw ApiError(400, "'" + here + "' must be {\"type\":\"function\",\"function\":{\"name\":…,\"arguments\":JSON text}}",
                     here, "invalid_value");
    const nlohmann::json args = nlohmann::json::parse(c["function"]["arguments"].get<std::string>(), nullptr, false);
    if (args.is_discarded() || !args.is_object())
      throw ApiError(400, "'" + here + ".function.arguments' must be a JSON object written as a string",
                     here + ".function.arguments", "invalid_value");
    if (!text.empty()) text += "\n";
    text += tools::format_tool_call(c["function"]["name"], args);
  }
  return text;
}

std::string tool_message_text(const std::string& content, const json& msg, const std::string& at) {
  if (!msg.contains("tool_call_id") || !msg["tool_call_id"].is_string())
    throw ApiError(400, "'" + at + ".tool_call_id' must be a string", at + ".tool_call_id", "invalid_type");
  return std::string(tools::kToolResponseOpen) + content + tools::kToolResponseClose;
}

void show_tools(Conversation& conv, const ChatTools& t) {
  if (!t.shown()) return;
  if (!conv.empty() && conv[0].role == "system") conv[0].content = tools::tools_system_message(conv[0].content, t.registry);
  else conv.insert(conv.begin(), {"system", tools::tools_system_message("", t.registry)});
}

json forced_call_schema(const ChatTools& t) {
  json any = json::array();
  for (const nlohmann::json& d : t.registry.definitions()) {
    const std::string name = d["function"]["name"];
    if (t.choice == "function" && name != t.function) continue;
    const json params = d["function"].contains("parameters") ? json::parse(d["function"]["parameters"].dump())
                                                              : json{{"type", "object"}, {"additionalProperties", false}};
    any.push_back({{"type", "object"},
                   {"properties", {{"name", {{"const", name}}}, {"arguments", params}}},
                   {"required", {"name", "arguments"}},
                   {"additionalProperties", false}});
  }
  return any.size() == 1 ? any[0] : json{{"anyOf", any}};
}

ReplyCalls split_tool_calls(const std::string& reply) {
  ReplyCalls r;
  std::string content;
  size_t at = 0;
  while (at < reply.size()) {
    const std::optional<tools::ToolCall> c = tools::find_tool_call(std::string_view(reply).substr(at));
    if (!c) break;
    content += c->before;
    if (c->ok()) r.tool_calls.push_back(call_entry(*c));
    else content += c->text;
    at += c->end;
  }
  content += reply.substr(at);
  if (!r.tool_calls.empty()) content.erase(content.find_last_not_of(" \t\r\n") + 1);  // npos + 1 == 0
  r.content = content.empty() && !r.tool_calls.empty() ? json(nullptr) : json(content);
  return r;
}

// Trailing whitespace is held until something visible follows it (dropped at the end when
// there were calls), as split_tool_calls drops it.
void ToolCallStream::content(std::vector<json>& out, std::string text) {
  held_space_ += text;
  const size_t last = held_space_.find_last_not_of(" \t\r\n");
  if (last == std::string::npos) return;
  out.push_back({{"content", held_space_.substr(0, last + 1)}});
  held_space_.erase(0, last + 1);
}

std::vector<json> ToolCallStream::feed(const std::string& text) {
  std::vector<json> out;
  pending_ += text;
  for (;;) {
    if (!in_call_) {
      const size_t p = pending_.find(tools::kToolCallOpen);
      if (p == std::string::npos) {
        const size_t keep = partial_tag(pending_, tools::kToolCallOpen);
        content(out, pending_.substr(0, pending_.size() - keep));
        pending_.erase(0, pending_.size() - keep);
        return out;
      }
      content(out, pending_.substr(0, p));
      pending_.erase(0, p);
      in_call_ = true;
    }
    const size_t q = pending_.find(tools::kToolCallClose);
    if (q == std::string::npos) return out;
    const size_t end = q + std::string(tools::kToolCallClose).size();
    const std::optional<tools::ToolCall> c = tools::find_tool_call(std::string_view(pending_).substr(0, end));
    if (c && c->ok()) {
      json e = call_entry(*c);
      const std::string args = e["function"]["arguments"];
      e["function"]["arguments"] = "";
      json first = {{"index", calls_}};
      first.update(e);
      out.push_back({{"tool_calls", json::array({first})}});
      out.push_back({{"tool_calls", json::array({{{"index", calls_}, {"function", {{"arguments", args}}}}})}});
      ++calls_;
    } else {
      content(out, pending_.substr(0, end));
    }
    pending_.erase(0, end);
    in_call_ = false;
  }
}

std::vector<json> ToolCallStream::finish() {
  std::vector<json> out;
  std::string rest = held_space_ + pending_;
  held_space_.clear();
  pending_.clear();
  if (calls_ > 0) rest.erase(rest.find_last_not_of(" \t\r\n") + 1);  // npos + 1 == 0
  if (!rest.empty()) out.push_back({{"content", rest}});
  return out;
}

}  // namespace lmf::serve
