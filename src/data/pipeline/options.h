// Reading a stage's settings from its JSON object (a pipeline file's stage entry or the
// command line's --set KEY=VALUE pairs): typed look-ups with the default kept when a key is
// absent, and an error naming the stage and key for a wrong type or an unknown key, so a
// misspelt setting never passes silently.
//
// A stage whose settings are plain values lists them once, in its options struct:
//   template <class Self, class F> static void each_setting(Self& o, F&& f)
// calls f("name", o.member) for each; read_settings() reads them with an OptionReader and
// settings_json() writes them (report.json's "settings") in that order.
#pragma once
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <vector>

#include "core/error.h"

namespace lmf::data::pipeline {

class OptionReader {
 public:
  OptionReader(std::string stage, const nlohmann::json& j) : stage_(std::move(stage)), j_(j) {
    if (!j_.is_null() && !j_.is_object()) throw Error(stage_ + ": settings must be a JSON object");
  }
  template <class T>
  void get(const std::string& key, T& value) {
    used_.insert(key);
    if (j_.is_null() || !j_.contains(key)) return;
    try {
      value = j_.at(key).get<T>();
    } catch (const nlohmann::json::exception&) {
      throw Error(stage_ + ": setting \"" + key + "\" has the wrong type (" + j_.at(key).dump() + ")");
    }
  }
  // A list of strings, also given as one string.
  void get_list(const std::string& key, std::vector<std::string>& value) {
    if (!j_.is_null() && j_.contains(key) && j_.at(key).is_string()) {
      used_.insert(key);
      value = {j_.at(key).get<std::string>()};
      return;
    }
    get(key, value);
  }
  // Throws for keys that were never asked for ("stage" itself is allowed).
  void done() const {
    if (j_.is_null()) return;
    for (auto& [k, v] : j_.items())
      if (k != "stage" && !used_.count(k)) throw Error(stage_ + ": unknown setting \"" + k + "\"");
  }

 private:
  std::string stage_;
  const nlohmann::json& j_;
  std::set<std::string> used_;
};

// Reads every setting Options::each_setting lists into o.
template <class Options>
void read_settings(OptionReader& r, Options& o) {
  Options::each_setting(o, [&](const char* key, auto& value) { r.get(key, value); });
}

// {"name": value, ...} of every setting Options::each_setting lists, in its order.
template <class Options>
nlohmann::ordered_json settings_json(const Options& o) {
  nlohmann::ordered_json out = nlohmann::ordered_json::object();
  Options::each_setting(o, [&](const char* key, const auto& value) { out[key] = value; });
  return out;
}

}  // namespace lmf::data::pipeline
