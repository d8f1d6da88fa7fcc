#include "align/preferences.h"

#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/jsonl.h"

namespace lmf::align {
namespace {

// The messages of a chat-form field; `want_role` (if set) is required of every message.
Conversation messages(const nlohmann::json& v, const std::string& where, const char* field,
                          const char* want_role) {
  if (!v.is_array() || v.empty()) throw FormatError(where + ": \"" + field + "\" must be a non-empty message list");
  Conversation c;
  for (const auto& m : v) {
    if (!m.is_object() || !m.contains("role") || !m.contains("content") || !m["role"].is_string() ||
        !m["content"].is_string())
      throw FormatError(where + ": \"" + field + "\" holds a message without string \"role\" and \"content\"");
    std::string role = m["role"].get<std::string>();
    if (role != "system" && role != "user" && role != "assistant")
      throw FormatError(where + ": \"" + field + "\": unknown role '" + role + "' (system, user or assistant)");
    if (want_role && role != want_role)
      throw FormatError(where + ": \"" + field + "\" must hold one " + want_role + " message, found role '" + role + "'");
    c.push_back({role, m["content"].get<std::string>()});
  }
  return c;
}

std::string response_text(const nlohmann::json& j, const std::string& where, const char* field, bool chat) {
  if (!j.contains(field)) throw FormatError(where + ": missing field \"" + field + "\"");
  const auto& v = j[field];
  if (!chat) {
    if (!v.is_string()) throw FormatError(where + ": \"" + field + "\" must be a string (plain form)");
    return v.get<std::string>();
  }
  Conversation c = messages(v, where, field, "assistant");
  if (c.size() != 1) throw FormatError(where + ": \"" + field + "\" must hold exactly one assistant message");
  return c[0].content;
}

}  // namespace

PreferencePair parse_preference(const std::string& line, const std::string& where, bool need_responses) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(where + ": not valid JSON: " + e.what());
  }
  if (!j.is_object()) throw FormatError(where + ": expected a JSON object");
  if (!j.contains("prompt")) throw FormatError(where + ": missing field \"prompt\"");
  PreferencePair p;
  p.chat = j["prompt"].is_array();
  if (p.chat) {
    p.prompt_messages = messages(j["prompt"], where, "prompt", nullptr);
  } else if (j["prompt"].is_string()) {
    p.prompt = j["prompt"].get<std::string>();
  } else {
    throw FormatError(where + ": \"prompt\" must be a string or a message list");
  }
  if (need_responses) {
    p.chosen = response_text(j, where, "chosen", p.chat);
    p.rejected = response_text(j, where, "rejected", p.chat);
  }
  return p;
}

std::vector<PreferencePair> read_preferences_jsonl(const std::string& path, bool need_responses) {
  std::vector<PreferencePair> out;
  io::for_each_jsonl_line(path, [&](const std::string& line, int64_t, const std::string& where) {
    out.push_back(parse_preference(line, where, need_responses));
  });
  return out;
}

std::vector<int32_t> PreferenceEncoder::prompt(const PreferencePair& p) const {
  if (p.chat) return tmpl_.prompt(p.prompt_messages);
  return tk_.encode(p.prompt);
}

std::vector<int32_t> PreferenceEncoder::response(const PreferencePair& p, const std::string& text) const {
  std::vector<int32_t> ids = tk_.encode(text);
  if (p.chat) tk_.encode_append(kEndOfTurn, true, ids);
  return ids;
}

EncodedPair PreferenceEncoder::encode(const PreferencePair& p) const {
  return {prompt(p), response(p, p.chosen), response(p, p.rejected)};
}

std::vector<int32_t> PreferenceEncoder::stop_ids(const PreferencePair& p) const {
  return p.chat ? tk_.encode(kEndOfTurn, true) : std::vector<int32_t>();
}

std::string PreferenceEncoder::decode_response(const PreferencePair& p, const std::vector<int32_t>& ids) const {
  std::string text = tk_.decode_bytes(ids);
  const std::string end = kEndOfTurn;
  if (p.chat && text.size() >= end.size() && text.ends_with(end)) text.resize(text.size() - end.size());
  return text;
}

}  // namespace lmf::align
