#include "finetune/instruction_data.h"

#include <algorithm>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/jsonl.h"

namespace lmf::ft {

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
        if (role != "system" && role != "user" && role != "assistant" && role != "tool")
          throw FormatError(where + ": unknown role '" + role + "' (system, user, assistant or tool)");
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
  std::vector<Conversation> out;
  io::for_each_jsonl_line(path, [&](const std::string& line, int64_t, const std::string& where) {
    out.push_back(parse_instruction(line, where));
  });
  return out;
}

void make_example(const EncodedChat& e, int64_t max_len, std::vector<int32_t>& x, std::vector<int32_t>& y) {
  const int64_t n = std::min<int64_t>(int64_t(e.ids.size()) - 1, max_len);
  x.assign(e.ids.begin(), e.ids.begin() + n);
  y.resize(size_t(n));
  for (int64_t i = 0; i < n; ++i) y[size_t(i)] = e.trained[size_t(i + 1)] ? e.ids[size_t(i + 1)] : -100;
}

}  // namespace lmf::ft
