// Reading an OpenAI request body field by field: a field the server does not know is
// ignored (clients send many); a known field of the wrong type or out of range is an
// ApiError 400 naming it in `param`. Absent and null fields keep the default.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <vector>

#include "serve/api_error.h"

namespace lmf::serve {

class RequestFields {
 public:
  explicit RequestFields(const nlohmann::ordered_json& body) : body_(body) {}
  const nlohmann::ordered_json& body() const { return body_; }
  bool has(const std::string& name) const { return body_.contains(name) && !body_[name].is_null(); }

  std::optional<double> number(const std::string& name, double lo, double hi) const;
  std::optional<int64_t> integer(const std::string& name, int64_t lo, int64_t hi) const;
  std::optional<bool> boolean(const std::string& name) const;
  std::optional<std::string> string(const std::string& name) const;
  // A string or a list of up to `max` strings (OpenAI's `stop`).
  std::vector<std::string> strings(const std::string& name, size_t max) const;

 private:
  const nlohmann::ordered_json& body_;
};

}  // namespace lmf::serve
