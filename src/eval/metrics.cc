#include "eval/metrics.h"

#include <cmath>
#include <limits>

#include "core/error.h"
#include "eval/py_random.h"

namespace lmf::eval {

namespace {
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Decodes the code point at s[i], advancing i (a malformed byte is U+FFFD, one byte).
uint32_t next_code_point(const std::string& s, size_t& i) {
  const uint8_t b = uint8_t(s[i]);
  size_t len = b < 0x80 ? 1 : (b & 0xe0) == 0xc0 ? 2 : (b & 0xf0) == 0xe0 ? 3 : (b & 0xf8) == 0xf0 ? 4 : 0;
  if (len == 0 || i + len > s.size()) {
    ++i;
    return 0xfffd;
  }
  uint32_t c = len == 1 ? b : len == 2 ? (b & 0x1fu) : len == 3 ? (b & 0x0fu) : (b & 0x07u);
  for (size_t k = 1; k < len; ++k) {
    const uint8_t cb = uint8_t(s[i + k]);
    if ((cb & 0xc0) != 0x80) {
      ++i;
      return 0xfffd;
    }
    c = (c << 6) | (cb & 0x3fu);
  }
  i += len;
  return c;
}
}  // namespace

bool python_isspace(uint32_t c) {
  return (c >= 0x09 && c <= 0x0d) || (c >= 0x1c && c <= 0x20) || c == 0x85 || c == 0xa0 || c == 0x1680 ||
         (c >= 0x2000 && c <= 0x200a) || c == 0x2028 || c == 0x2029 || c == 0x202f || c == 0x205f || c == 0x3000;
}

int64_t python_len(const std::string& s) {
  int64_t n = 0;
  for (size_t i = 0; i < s.size(); ++n) next_code_point(s, i);
  return n;
}

int64_t count_words(const std::string& s) {
  int64_t parts = 1;
  bool in_space = false;
  for (size_t i = 0; i < s.size();) {
    const bool sp = python_isspace(next_code_point(s, i));
    if (sp && !in_space) ++parts;
    in_space = sp;
  }
  return parts;
}

double mean(const std::vector<double>& xs) {
  if (xs.empty()) return kNaN;
  double s = 0;
  for (double x : xs) s += x;
  return s / double(xs.size());
}

double sample_stddev(const std::vector<double>& xs) {
  if (xs.size() < 2) return kNaN;
  const double mu = mean(xs);
  double s = 0;
  for (double x : xs) s += (x - mu) * (x - mu);
  return std::sqrt(s / double(xs.size() - 1));
}

double mean_stderr(const std::vector<double>& xs) { return sample_stddev(xs) / std::sqrt(double(xs.size())); }

double perplexity(const std::vector<double>& lls) { return std::exp(-mean(lls)); }

double weighted_perplexity(const std::vector<Weighted>& items) {
  double a = 0, b = 0;
  for (auto [x, w] : items) a += x, b += w;
  return std::exp(-a / b);
}

double bits_per_byte(const std::vector<Weighted>& items) {
  double a = 0, b = 0;
  for (auto [x, w] : items) a += x, b += w;
  return -a / b / std::log(2.0);
}

double bootstrap_stderr(const std::function<double(const std::vector<double>&)>& f, const std::vector<double>& xs,
                        int64_t iters) {
  if (xs.empty() || iters <= 0) return kNaN;
  const int64_t chunk = std::min<int64_t>(1000, iters);
  std::vector<double> res, draw(xs.size());
  for (int64_t i = 0; i < iters / chunk; ++i) {
    PyRandom rnd{uint64_t(i)};
    for (int64_t c = 0; c < chunk; ++c) {
      const double n = double(xs.size());
      for (double& d : draw) d = xs[size_t(std::floor(rnd.random() * n))];
      res.push_back(f(draw));
    }
  }
  return sample_stddev(res);
}

ChoiceScores score_choices(const std::vector<double>& lls, const std::vector<bool>& is_greedy,
                           const std::vector<std::string>& choices, int64_t gold) {
  if (lls.empty() || lls.size() != choices.size() || is_greedy.size() != lls.size())
    throw Error("score_choices: one log-likelihood and one greedy flag a choice");
  ChoiceScores s;
  double best = lls[0], best_norm = lls[0] / double(python_len(choices[0]));
  for (size_t i = 1; i < lls.size(); ++i) {
    if (lls[i] > best) best = lls[i], s.pred = int64_t(i);
    const double norm = lls[i] / double(python_len(choices[i]));
    if (norm > best_norm) best_norm = norm, s.pred_norm = int64_t(i);
  }
  s.acc = s.pred == gold ? 1.0 : 0.0;
  s.acc_norm = s.pred_norm == gold ? 1.0 : 0.0;
  if (lls.size() == 2) {
    s.pct_stereotype = lls[0] > lls[1] ? 1.0 : 0.0;
    s.likelihood_diff = std::abs(lls[0] - lls[1]);
  }
  s.exact_match = gold >= 0 && gold < int64_t(lls.size()) && is_greedy[size_t(gold)] ? 1.0 : 0.0;
  return s;
}

const std::vector<MetricInfo>& known_metrics() {
  static const std::vector<MetricInfo> m = {
      {"acc", true, {"loglikelihood", "multiple_choice"}},
      {"acc_norm", true, {"multiple_choice"}},
      {"exact_match", true, {"multiple_choice", "generate_until"}},
      {"refusal", true, {"generate_until"}},
      {"pct_stereotype", false, {"multiple_choice"}},
      {"likelihood_diff", false, {"multiple_choice"}},
      {"likelihood_difference", false, {"multiple_choice"}},
      {"perplexity", false, {"loglikelihood"}},
      {"word_perplexity", false, {"loglikelihood_rolling"}},
      {"byte_perplexity", false, {"loglikelihood_rolling"}},
      {"bits_per_byte", false, {"loglikelihood_rolling"}},
  };
  return m;
}

std::string metric_names() {
  std::string out;
  for (const MetricInfo& m : known_metrics()) out += (out.empty() ? "" : ", ") + m.name;
  return out;
}

bool is_pair_metric(const std::string& name) {
  return name == "pct_stereotype" || name == "likelihood_diff" || name == "likelihood_difference";
}

const MetricInfo* find_metric(const std::string& name) {
  for (const MetricInfo& m : known_metrics())
    if (m.name == name) return &m;
  return nullptr;
}

std::vector<std::string> default_metrics(const std::string& output_type) {
  if (output_type == "multiple_choice") return {"acc", "acc_norm"};
  if (output_type == "loglikelihood") return {"perplexity", "acc"};
  if (output_type == "loglikelihood_rolling") return {"word_perplexity", "byte_perplexity", "bits_per_byte"};
  if (output_type == "generate_until") return {"exact_match"};
  return {};
}

}  // namespace lmf::eval
