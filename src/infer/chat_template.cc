#include "finetune/chat_template.h"

#include <filesystem>
#include <fstream>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/atomic_file.h"

namespace lmf::ft {

const char* const kChatMlTemplate =
    "{% for message in messages %}{{'<|im_start|>' + message['role'] + '\\n' + message['content'] + '<|im_end|>' + "
    "'\\n'}}{% endfor %}{% if add_generation_prompt %}{{ '<|im_start|>assistant\\n' }}{% endif %}";
const char* const kEndOfTurn = "<|im_end|>";

Conversation parse_instruction(const std::string& line, const std::string& where) {
  nlohmann::json j;
  try {
    j = nlohmann::json::parse(line);
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(where + ": not valid JSON: " + e.what());
  }
  Conversation c;
  try {
    if (j.contains("messages")) {
      for (const auto& m : j.at("messages")) {
        std::string role = m.at("role").get<std::string>();
        if (role != "system" && role != "user" && role != "assistant")
          throw FormatError(where + ": unknown role '" + role + "' (system, user or assistant)");
        c.push_back({role, m.at("content").get<std::string>()});
      }
    } else if (j.contains("instruction")) {
      c.push_back({"user", alpaca_user_message(j.at("instruction").get<std::string>(), j.value("input", std::string()))});
      c.push_back({"assistant", j.at("output").get<std::string>()});
    } else {
      throw FormatError(where + ": expected \"messages\" or \"instruction\"/\"output\" fields");
    }
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(where + ": " + e.what());
  }
  if (c.empty()) throw FormatError(where + ": no messages");
  return c;
}

std::string alpaca_user_message(const std::string& instruction, const std::string& input) {
  return input.empty() ? instruction : instruction + "\n\n" + input;
}

std::vector<Conversation> read_instruction_jsonl(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw FormatError(path + ": cannot open");
  std::vector<Conversation> out;
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    out.push_back(parse_instruction(line, path + ":" + std::to_string(n)));
  }
  if (out.empty()) throw FormatError(path + ": no examples");
  return out;
}

void ChatTemplate::append(EncodedChat& e, const std::string& text, bool special, bool trained) const {
  for (uint32_t id : tk_.encode(text, special)) {
    e.ids.push_back(int32_t(id));
    e.trained.push_back(trained);
  }
}

void ChatTemplate::append_message(EncodedChat& e, const Message& m, bool trained) const {
  append(e, "<|im_start|>", true, false);
  append(e, m.role + "\n", false, false);
  append(e, m.content, false, trained);
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

void make_example(const EncodedChat& e, int64_t max_len, std::vector<int32_t>& x, std::vector<int32_t>& y) {
  const int64_t n = std::min<int64_t>(int64_t(e.ids.size()) - 1, max_len);
  x.assign(e.ids.begin(), e.ids.begin() + n);
  y.resize(size_t(n));
  for (int64_t i = 0; i < n; ++i) y[size_t(i)] = e.trained[size_t(i + 1)] ? e.ids[size_t(i + 1)] : -100;
}

}  // namespace lmf::ft
