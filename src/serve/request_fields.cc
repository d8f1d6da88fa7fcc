#include "serve/request_fields.h"

#include <cmath>
#include <sstream>

namespace lmf::serve {
namespace {

std::string range(double lo, double hi) {
  std::ostringstream s;
  s << lo << " to " << hi;
  return s.str();
}

}  // namespace

std::optional<double> RequestFields::number(const std::string& name, double lo, double hi) const {
  if (!has(name)) return std::nullopt;
  const nlohmann::ordered_json& v = body_[name];
  if (!v.is_number()) throw ApiError(400, "'" + name + "' must be a number", name, "invalid_type");
  const double x = v.get<double>();
  if (!(x >= lo && x <= hi)) throw ApiError(400, "'" + name + "' must be from " + range(lo, hi) + ", got " + v.dump(), name, "invalid_value");
  return x;
}

std::optional<int64_t> RequestFields::integer(const std::string& name, int64_t lo, int64_t hi) const {
  if (!has(name)) return std::nullopt;
  const nlohmann::ordered_json& v = body_[name];
  const bool whole = v.is_number_integer() || (v.is_number_float() && std::isfinite(v.get<double>()) &&
                                               v.get<double>() == std::floor(v.get<double>()));
  if (!whole) throw ApiError(400, "'" + name + "' must be an integer", name, "invalid_type");
  // long double holds every int64 exactly (x86-64's 64-bit mantissa), so the range check
  // is exact and the conversion below cannot overflow.
  const long double x = v.is_number_unsigned() ? (long double)v.get<uint64_t>()
                        : v.is_number_integer() ? (long double)v.get<int64_t>()
                                                : (long double)v.get<double>();
  if (!(x >= (long double)lo && x <= (long double)hi))
    throw ApiError(400, "'" + name + "' must be from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got " + v.dump(),
                   name, "invalid_value");
  return int64_t(x);
}

std::optional<bool> RequestFields::boolean(const std::string& name) const {
  if (!has(name)) return std::nullopt;
  if (!body_[name].is_boolean()) throw ApiError(400, "'" + name + "' must be true or false", name, "invalid_type");
  return body_[name].get<bool>();
}

std::optional<std::string> RequestFields::string(const std::string& name) const {
  if (!has(name)) return std::nullopt;
  if (!body_[name].is_string()) throw ApiError(400, "'" + name + "' must be a string", name, "invalid_type");
  return body_[name].get<std::string>();
}

std::vector<std::string> RequestFields::strings(const std::string& name, size_t max) const {
  if (!has(name)) return {};
  const nlohmann::ordered_json& v = body_[name];
  if (v.is_string()) return {v.get<std::string>()};
  if (!v.is_array()) throw ApiError(400, "'" + name + "' must be a string or a list of strings", name, "invalid_type");
  if (v.size() > max) throw ApiError(400, "'" + name + "' takes at most " + std::to_string(max) + " strings", name, "invalid_value");
  std::vector<std::string> out;
  for (const auto& s : v) {
    if (!s.is_string()) throw ApiError(400, "'" + name + "' must be a string or a list of strings", name, "invalid_type");
    if (s.get<std::string>().empty()) throw ApiError(400, "'" + name + "' strings must not be empty", name, "invalid_value");
    out.push_back(s.get<std::string>());
  }
  return out;
}

}  // namespace lmf::serve
