// ApiError: a request the server refuses, as OpenAI reports it:
//   HTTP status + {"error": {"message", "type", "param", "code"}}
// param names the request field at fault (null when none).
#pragma once
#include <nlohmann/json.hpp>
#include <stdexcept>
#include <string>

namespace lmf::serve {

struct ApiError : std::runtime_error {
  int status;
  std::string type, param, code;
  ApiError(int status, std::string message, std::string param = "", std::string code = "",
           std::string type = "invalid_request_error")
      : std::runtime_error(std::move(message)), status(status), type(std::move(type)), param(std::move(param)),
        code(std::move(code)) {}
};

inline nlohmann::ordered_json error_body(const std::string& message, const std::string& type, const std::string& param,
                                 const std::string& code) {
  nlohmann::ordered_json e = {{"message", message}, {"type", type}, {"param", nullptr}, {"code", nullptr}};
  if (!param.empty()) e["param"] = param;
  if (!code.empty()) e["code"] = code;
  return {{"error", e}};
}
inline nlohmann::ordered_json error_body(const ApiError& e) { return error_body(e.what(), e.type, e.param, e.code); }

}  // namespace lmf::serve
