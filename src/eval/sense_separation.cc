// Sense separation of a word's vectors: same-sense against cross-sense similarity.
#include "eval/sense_separation.h"

#include <algorithm>
#include <cmath>
#include <map>

#include "core/error.h"
#include "io/jsonl.h"

namespace lmf::eval {
namespace {

using nlohmann::json;

std::string string_field(const json& obj, const char* name, const std::string& where) {
  auto it = obj.find(name);
  if (it == obj.end()) throw FormatError(where + ": missing field `" + name + "`");
  if (!it->is_string() || it->get<std::string>().empty())
    throw FormatError(where + ": field `" + name + "` must be a non-empty string");
  return it->get<std::string>();
}

int64_t offset_field(const json& obj, const char* name, const std::string& where) {
  auto it = obj.find(name);
  if (it == obj.end()) throw FormatError(where + ": missing field `" + name + "`");
  if (!it->is_number_integer()) throw FormatError(where + ": field `" + name + "` must be an integer byte offset");
  return it->get<int64_t>();
}

// Unit vector of v in double precision.
std::vector<double> unit(const std::vector<float>& v, const std::string& where) {
  double n = 0;
  for (float x : v) n += double(x) * double(x);
  if (!(n > 0) || !std::isfinite(n)) throw Error(where + ": the vector of this occurrence is zero or not finite");
  n = std::sqrt(n);
  std::vector<double> u(v.size());
  for (size_t i = 0; i < v.size(); ++i) u[i] = double(v[i]) / n;
  return u;
}

double dot(const std::vector<double>& a, const std::vector<double>& b) {
  double s = 0;
  for (size_t i = 0; i < a.size(); ++i) s += a[i] * b[i];
  return s;
}

double norm(const std::vector<double>& a) { return std::sqrt(dot(a, a)); }

}  // namespace

std::vector<SenseContext> read_sense_contexts(const std::string& path) {
  std::vector<SenseContext> out;
  io::for_each_jsonl_line(path, [&](const std::string& line, int64_t, const std::string& where) {
    json obj;
    try {
      obj = json::parse(line);
    } catch (const json::parse_error& e) {
      throw FormatError(where + ": not valid JSON (" + e.what() + ")");
    }
    if (!obj.is_object()) throw FormatError(where + ": expected a JSON object with word, sense, text, start, end");
    SenseContext c;
    c.word = string_field(obj, "word", where);
    c.sense = string_field(obj, "sense", where);
    c.text = string_field(obj, "text", where);
    c.start = offset_field(obj, "start", where);
    c.end = offset_field(obj, "end", where);
    if (c.start < 0 || c.end <= c.start || c.end > int64_t(c.text.size()))
      throw FormatError(where + ": start " + std::to_string(c.start) + " and end " + std::to_string(c.end) +
                        " are not a span of the text's " + std::to_string(c.text.size()) + " bytes");
    c.where = where;
    out.push_back(std::move(c));
  });
  std::map<std::string, std::map<std::string, int64_t>> counts;
  for (const SenseContext& c : out) ++counts[c.word][c.sense];
  for (const auto& [word, senses] : counts) {
    if (senses.size() < 2) throw FormatError(path + ": word '" + word + "' has only one sense; two or more are needed");
    for (const auto& [sense, n] : senses)
      if (n < 2)
        throw FormatError(path + ": sense '" + sense + "' of '" + word + "' has " + std::to_string(n) +
                          " occurrence; two or more are needed");
  }
  return out;
}

SenseReport score_senses(const std::vector<SenseContext>& contexts, const std::vector<std::vector<float>>& vectors) {
  if (contexts.size() != vectors.size())
    throw Error("score_senses: " + std::to_string(contexts.size()) + " contexts but " + std::to_string(vectors.size()) +
                " vectors");
  std::map<std::string, std::vector<size_t>> by_word;
  for (size_t i = 0; i < contexts.size(); ++i) {
    if (!vectors.empty() && vectors[i].size() != vectors[0].size())
      throw Error(contexts[i].where + ": vector of width " + std::to_string(vectors[i].size()) + ", the first has " +
                  std::to_string(vectors[0].size()));
    by_word[contexts[i].word].push_back(i);
  }
  SenseReport r;
  for (const auto& [word, idx] : by_word) {
    WordSenseScores w;
    w.word = word;
    std::vector<std::vector<double>> u;
    std::vector<std::string> sense;
    std::map<std::string, int64_t> n;
    for (size_t i : idx) {
      u.push_back(unit(vectors[i], contexts[i].where));
      sense.push_back(contexts[i].sense);
      ++n[contexts[i].sense];
    }
    w.senses.assign(n.begin(), n.end());
    // Pairwise means.
    double same = 0, cross = 0;
    int64_t n_same = 0, n_cross = 0;
    for (size_t i = 0; i < u.size(); ++i)
      for (size_t j = i + 1; j < u.size(); ++j) {
        const double c = dot(u[i], u[j]);
        if (sense[i] == sense[j]) same += c, ++n_same;
        else cross += c, ++n_cross;
      }
    w.same = same / double(n_same);
    w.cross = cross / double(n_cross);
    w.separation = w.same - w.cross;
    // Leave-one-out nearest centroid: sums of unit vectors by sense, minus the held-out one.
    std::map<std::string, std::vector<double>> sum;
    for (size_t i = 0; i < u.size(); ++i) {
      auto& s = sum.try_emplace(sense[i], std::vector<double>(u[i].size(), 0.0)).first->second;
      for (size_t k = 0; k < s.size(); ++k) s[k] += u[i][k];
    }
    double right = 0;
    for (size_t i = 0; i < u.size(); ++i) {
      std::vector<std::pair<std::string, double>> cos;
      for (const auto& [s, total] : sum) {
        std::vector<double> c = total;
        double count = double(n[s]);
        if (s == sense[i]) {
          for (size_t k = 0; k < c.size(); ++k) c[k] -= u[i][k];
          count -= 1;
        }
        for (double& x : c) x /= count;
        const double len = norm(c);
        cos.emplace_back(s, len > 0 ? dot(u[i], c) / len : -2.0);
      }
      double best = -3;
      for (const auto& [s, c] : cos) best = std::max(best, c);
      int64_t tied = 0;
      bool hit = false;
      for (const auto& [s, c] : cos)
        if (c >= best - 1e-9) ++tied, hit = hit || s == sense[i];
      if (hit) right += 1.0 / double(tied);
    }
    w.accuracy = right / double(u.size());
    r.same += w.same;
    r.cross += w.cross;
    r.separation += w.separation;
    r.accuracy += w.accuracy;
    r.separated += w.same > w.cross;
    r.words.push_back(std::move(w));
  }
  if (!r.words.empty()) {
    const double k = double(r.words.size());
    r.same /= k, r.cross /= k, r.separation /= k, r.accuracy /= k;
  }
  return r;
}

nlohmann::ordered_json sense_report_json(const SenseReport& r) {
  nlohmann::ordered_json words = nlohmann::ordered_json::array();
  for (const WordSenseScores& w : r.words) {
    nlohmann::ordered_json senses = nlohmann::ordered_json::object();
    for (const auto& [s, n] : w.senses) senses[s] = n;
    words.push_back({{"word", w.word}, {"senses", senses}, {"same", w.same}, {"cross", w.cross},
                     {"separation", w.separation}, {"accuracy", w.accuracy}});
  }
  return {{"words", words},
          {"mean", {{"same", r.same}, {"cross", r.cross}, {"separation", r.separation}, {"accuracy", r.accuracy}}},
          {"separated", r.separated}};
}

}  // namespace lmf::eval
