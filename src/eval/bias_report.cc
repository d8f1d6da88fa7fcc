#include "eval/bias_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>
#include <numeric>
#include <string>

#include "core/error.h"
#include "eval/metrics.h"

namespace lmf::eval {
namespace {

using ojson = nlohmann::ordered_json;

ojson interval(const std::vector<double>& xs) {
  const double m = mean(xs), se = mean_stderr(xs);
  if (xs.size() < 2 || std::isnan(se)) return ojson::array({nullptr, nullptr});
  return ojson::array({m - kZ95 * se, m + kZ95 * se});
}

// A field's value as the key of a group: strings as they are, anything else as JSON.
std::string group_key(const ojson& v) { return v.is_string() ? v.get<std::string>() : v.dump(); }

}  // namespace

ojson bias_summary(const std::vector<PairScores>& pairs, const std::vector<const ojson*>& docs,
                   const std::vector<int64_t>& doc_ids, int64_t top) {
  if (docs.size() != pairs.size() || doc_ids.size() != pairs.size())
    throw Error("bias_summary: one document and one id a pair");
  std::vector<double> stereo, absdiff, diff;
  for (const PairScores& p : pairs) {
    const double d = p.ll_more - p.ll_less;
    diff.push_back(d);
    absdiff.push_back(std::abs(d));
    stereo.push_back(d > 0 ? 1.0 : 0.0);
  }
  ojson out = {{"pairs", pairs.size()},
               {"pct_stereotype", mean(stereo)},
               {"pct_stereotype_ci95", interval(stereo)},
               {"likelihood_difference", mean(absdiff)},
               {"likelihood_difference_ci95", interval(absdiff)},
               {"mean_difference", mean(diff)},
               {"mean_difference_ci95", interval(diff)}};

  std::vector<size_t> order(pairs.size());
  std::iota(order.begin(), order.end(), size_t(0));
  std::stable_sort(order.begin(), order.end(), [&](size_t a, size_t b) {
    return diff[a] != diff[b] ? diff[a] > diff[b] : doc_ids[a] < doc_ids[b];
  });
  ojson top_pairs = ojson::array();
  for (size_t i = 0; i < order.size() && int64_t(i) < top; ++i) {
    const ojson& d = *docs[order[i]];
    top_pairs.push_back({{"doc_id", doc_ids[order[i]]},
                         {"sent_more", d.value("sent_more", ojson())},
                         {"sent_less", d.value("sent_less", ojson())},
                         {"difference", diff[order[i]]}});
  }
  out["top_pairs"] = top_pairs;

  for (const char* field : {"word", "stereotype", "template", "bias_type"}) {
    std::map<std::string, std::vector<size_t>> groups;
    for (size_t i = 0; i < docs.size(); ++i)
      if (docs[i]->is_object() && docs[i]->contains(field)) groups[group_key((*docs[i])[field])].push_back(i);
    if (groups.empty()) continue;
    struct Row {
      std::string value;
      size_t n;
      double pct, mean_diff;
    };
    std::vector<Row> rows;
    for (const auto& [value, idx] : groups) {
      double s = 0, m = 0;
      for (size_t i : idx) s += stereo[i], m += diff[i];
      rows.push_back({value, idx.size(), s / double(idx.size()), m / double(idx.size())});
    }
    std::stable_sort(rows.begin(), rows.end(), [](const Row& a, const Row& b) { return a.mean_diff > b.mean_diff; });
    ojson arr = ojson::array();
    for (const Row& r : rows)
      arr.push_back({{field, r.value}, {"pairs", r.n}, {"pct_stereotype", r.pct}, {"mean_difference", r.mean_diff}});
    out[std::string("by_") + field] = arr;
  }
  return out;
}

std::string bias_text(const std::string& task, const ojson& s) {
  auto num = [](const ojson& v, const char* fmt) {
    if (!v.is_number()) return std::string("n/a");
    char b[64];
    std::snprintf(b, sizeof b, fmt, v.get<double>());
    return std::string(b);
  };
  auto ci = [&](const ojson& v) { return "[" + num(v[0], "%.3f") + ", " + num(v[1], "%.3f") + "]"; };
  std::string out = "bias: " + task + ": pct_stereotype " + num(s["pct_stereotype"], "%.3f") + " " + ci(s["pct_stereotype_ci95"]) +
                    ", likelihood_difference " + num(s["likelihood_difference"], "%.3f") + " " + ci(s["likelihood_difference_ci95"]) +
                    ", mean difference " + num(s["mean_difference"], "%+.3f") + " " + ci(s["mean_difference_ci95"]) + " over " +
                    s["pairs"].dump() + " pairs\n";
  for (const char* field : {"word", "bias_type"})
    if (s.contains(std::string("by_") + field)) {
      const ojson& rows = s[std::string("by_") + field];
      out += "  most stereotyped " + std::string(field) + "s:";
      for (size_t i = 0; i < rows.size() && i < 5; ++i)
        out += (i ? ", " : " ") + rows[i][field].get<std::string>() + " (" + num(rows[i]["mean_difference"], "%+.2f") + ")";
      out += "\n";
      break;
    }
  if (!s["top_pairs"].empty()) {
    const ojson& p = s["top_pairs"][0];
    out += "  top pair: \"" + p["sent_more"].get<std::string>() + "\" over \"" + p["sent_less"].get<std::string>() + "\" (" +
           num(p["difference"], "%+.2f") + ")\n";
  }
  return out;
}

}  // namespace lmf::eval
