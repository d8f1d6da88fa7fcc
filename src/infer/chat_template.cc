#include "infer/chat_template.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string_view>
#include <utility>
#include <vector>

#include "core/error.h"
#include "io/atomic_file.h"
#include "models/gguf_import.h"

namespace lmf {

const char* const kChatMlTemplate =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + "
    "'\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const char* const kEndOfTurn = "<|im_end|>";

void ChatTemplate::append(EncodedChat& e, const std::string& text, bool special, bool trained) const {
  tk_.encode_append(text, special, e.ids);
  e.trained.resize(e.ids.size(), trained);
}

// The tool-call tags in content, each as its special token when the tokenizer has one.
void ChatTemplate::append_content(EncodedChat& e, const std::string& text, bool trained) const {
  static const char* const kTags[] = {"<tool_call>", "</tool_call>", "<tool_response>", "</tool_response>"};
  std::vector<std::pair<std::string_view, TokenId>> tags;
  for (const tok::SpecialToken& s : tk_.special_tokens())
    for (const char* t : kTags)
      if (s.content == t) tags.emplace_back(t, s.id);
  size_t start = 0;
  while (!tags.empty()) {
    size_t at = std::string::npos;
    std::pair<std::string_view, TokenId> hit;
    for (const auto& t : tags)
      if (size_t p = text.find(t.first, start); p < at) at = p, hit = t;
    if (at == std::string::npos) break;
    tk_.encode_append(std::string_view(text).substr(start, at - start), false, e.ids);
    e.ids.push_back(hit.second);
    start = at + hit.first.size();
  }
  tk_.encode_append(std::string_view(text).substr(start), false, e.ids);
  e.trained.resize(e.ids.size(), trained);
}

void ChatTemplate::append_message(EncodedChat& e, const Message& m, bool trained) const {
  append(e, "<|im_start|>", true, false);
  append(e, m.role + "\n", false, false);
  append_content(e, m.content, trained);
  append(e, kEndOfTurn, true, trained);
  append(e, "\n", false, false);
}

EncodedChat ChatTemplate::encode(const Conversation& c) const {
  EncodedChat e;
  for (const Message& m : c) append_message(e, m, m.role == "assistant");
  return e;
}

std::vector<int32_t> ChatTemplate::prompt(const Conversation& c) const {
  EncodedChat e;
  for (const Message& m : c) append_message(e, m, false);
  append(e, "<|im_start|>", true, false);
  append(e, "assistant\n", false, false);
  return e.ids;
}

void check_chat_template(const std::string& dir) { has_chat_template(dir); }

bool has_chat_template(const std::string& dir) {
  if (is_gguf_path(dir)) return gguf_chat_template(dir) == kChatMlTemplate;
  const std::string path = dir + "/tokenizer_config.json";
  if (!std::filesystem::exists(path)) return false;
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(io::read_file(path));
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path + ": not valid JSON: " + e.what());
  }
  if (!j.contains("chat_template")) return false;
  if (!j["chat_template"].is_string() || j["chat_template"].get<std::string>() != kChatMlTemplate)
    throw FormatError(path + ": chat_template is not the ChatML template; only ChatML is supported");
  return true;
}

void write_chat_template(const std::string& dir) {
  const std::string path = dir + "/tokenizer_config.json";
  nlohmann::json j = nlohmann::json::object();
  if (std::filesystem::exists(path)) {
    try {
      j = nlohmann::json::parse(io::read_file(path));
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(path + ": not valid JSON: " + e.what());
    }
  }
  j["chat_template"] = kChatMlTemplate;
  io::write_text_atomic(path, j.dump(2) + "\n");
}

}  // namespace lmf
