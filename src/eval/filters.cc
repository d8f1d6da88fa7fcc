#include "eval/filters.h"

#include <map>

#include "core/error.h"
#include "eval/metrics.h"

namespace lmf::eval {

namespace {

// The code point starting at s[i] and its length (a malformed byte: itself, length 1).
uint32_t code_point_at(const std::string& s, size_t i, size_t& len) {
  const uint8_t b = uint8_t(s[i]);
  len = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : (b & 0xf8) == 0xf0 ? 4 : 1;
  if (i + len > s.size()) len = 1;
  if (len == 1) return b;
  uint32_t c = len == 2 ? (b & 0x1fu) : len == 3 ? (b & 0x0fu) : (b & 0x07u);
  for (size_t k = 1; k < len; ++k) c = (c << 6) | (uint8_t(s[i + k]) & 0x3fu);
  return c;
}

}  // namespace

std::string python_strip(const std::string& s) {
  size_t begin = 0, end = s.size();
  while (begin < end) {
    size_t len;
    if (!python_isspace(code_point_at(s, begin, len))) break;
    begin += len;
  }
  while (end > begin) {
    size_t start = end - 1;
    while (start > begin && (uint8_t(s[start]) & 0xc0) == 0x80) --start;
    size_t len;
    if (!python_isspace(code_point_at(s, start, len)) || start + len != end) break;
    end = start;
  }
  return s.substr(begin, end - begin);
}

FilterStep regex_step(const std::string& pattern, int64_t group_select, const std::string& fallback, const std::string& where) {
  FilterStep s;
  s.function = "regex";
  s.pattern = pattern;
  s.group_select = group_select;
  s.fallback = fallback;
  try {
    s.regex = std::regex(pattern, std::regex::ECMAScript);
  } catch (const std::regex_error& e) {
    throw FormatError(where + ": regex_pattern '" + pattern + "' is not a regular expression this reads (ECMAScript syntax): " + e.what());
  }
  return s;
}

FilterStep simple_step(const std::string& function) {
  FilterStep s;
  s.function = function;
  return s;
}

std::string regex_filter(const FilterStep& step, const std::string& response) {
  // re.findall: the whole match, the group, or the tuple of groups, for each match.
  std::vector<std::vector<std::string>> matches;
  const size_t groups = step.regex.mark_count();
  for (auto it = std::sregex_iterator(response.begin(), response.end(), step.regex); it != std::sregex_iterator(); ++it) {
    std::vector<std::string> m;
    if (groups == 0) m.push_back((*it)[0].str());
    for (size_t g = 1; g <= groups; ++g) m.push_back((*it)[g].matched ? (*it)[g].str() : std::string());
    matches.push_back(std::move(m));
  }
  if (matches.empty()) return step.fallback;
  int64_t i = step.group_select < 0 ? int64_t(matches.size()) + step.group_select : step.group_select;
  if (i < 0 || i >= int64_t(matches.size()))
    throw Error("regex filter: group_select " + std::to_string(step.group_select) + " outside the " +
                std::to_string(matches.size()) + " matches of '" + step.pattern + "'");
  const std::vector<std::string>& m = matches[size_t(i)];
  std::string picked;
  if (groups <= 1) picked = m[0];
  else {
    bool found = false;
    for (const auto& g : m)
      if (!g.empty()) {
        picked = g, found = true;
        break;
      }
    if (!found) picked = step.fallback;
  }
  return python_strip(picked);
}

std::string apply_filter(const Filter& f, const std::vector<std::string>& responses) {
  if (responses.empty()) throw Error("filter " + f.name + ": no responses");
  std::vector<std::string> xs = responses;
  for (const FilterStep& s : f.steps) {
    if (s.function == "regex") {
      for (std::string& x : xs) x = regex_filter(s, x);
    } else if (s.function == "take_first") {
      return xs[0];
    } else if (s.function == "majority_vote") {
      std::map<std::string, int64_t> count;
      for (const auto& x : xs) ++count[x];
      const std::string* best = &xs[0];
      for (const auto& x : xs)
        if (count[x] > count[*best]) best = &x;
      return *best;
    } else {
      throw Error("filter " + f.name + ": unknown function " + s.function);
    }
  }
  return xs[0];  // a chain without a reducer (load_task rejects it): the first
}

double exact_match_score(const std::string& prediction, const std::string& reference, const ExactMatchOptions& o) {
  std::string p = prediction, r = reference;
  for (const auto& re : o.regexes_to_ignore) {
    const std::regex rx(re, std::regex::ECMAScript);
    p = std::regex_replace(p, rx, "");
    r = std::regex_replace(r, rx, "");
  }
  auto transform = [&](std::string& s) {
    std::string out;
    for (char c : s) {
      const unsigned char u = static_cast<unsigned char>(c);
      if (o.ignore_punctuation && u < 0x80 && std::ispunct(u)) continue;
      if (o.ignore_numbers && u >= '0' && u <= '9') continue;
      out += o.ignore_case && u >= 'A' && u <= 'Z' ? char(u - 'A' + 'a') : c;
    }
    s = out;
  };
  transform(p);
  transform(r);
  return p == r ? 1.0 : 0.0;
}

}  // namespace lmf::eval
