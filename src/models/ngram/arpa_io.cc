#include "models/ngram/arpa_io.h"

#include <algorithm>
#include <charconv>
#include <cstdio>
#include <fstream>
#include <string_view>
#include <vector>

#include "core/error.h"
#include "io/atomic_file.h"

namespace lmf::ngram {

void write_arpa(const std::string& path, const NgramModel& model) {
  io::write_file_atomic(path, [&](std::ostream& out) {
    out << "\n\\data\\\n";
    for (int n = 1; n <= model.order(); ++n) out << "ngram " << n << "=" << model.tables[size_t(n - 1)].size() << "\n";
    char num[64];
    std::string line;
    for (int n = 1; n <= model.order(); ++n) {
      out << "\n\\" << n << "-grams:\n";
      const NgramTable& t = model.tables[size_t(n - 1)];
      for (size_t i = 0; i < t.size(); ++i) {
        std::snprintf(num, sizeof num, "%.7g", t.log10_prob[i]);
        line = num;
        for (int k = 0; k < n; ++k) {
          line += k == 0 ? '\t' : ' ';
          line += model.vocab.word(t.keys[i][size_t(k)]);
        }
        if (n < model.order() && t.log10_backoff[i] != 0) {
          std::snprintf(num, sizeof num, "\t%.7g", t.log10_backoff[i]);
          line += num;
        }
        line += '\n';
        out << line;
      }
    }
    out << "\n\\end\\\n";
  });
}

namespace {

struct LineReader {
  std::ifstream in;
  std::string path, line;
  int64_t no = 0;
  bool next() {
    if (!std::getline(in, line)) return false;
    ++no;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    return true;
  }
  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(path + ":" + std::to_string(no) + ": " + what);
  }
};

std::vector<std::string_view> fields(const std::string& s) {
  std::vector<std::string_view> f;
  for (size_t i = 0; i < s.size();) {
    while (i < s.size() && (s[i] == ' ' || s[i] == '\t')) ++i;
    size_t j = i;
    while (j < s.size() && s[j] != ' ' && s[j] != '\t') ++j;
    if (j > i) f.emplace_back(s.data() + i, j - i);
    i = j;
  }
  return f;
}

bool blank(const std::string& s) { return s.find_first_not_of(" \t") == std::string::npos; }

double parse_number(const LineReader& r, std::string_view text, const char* what) {
  double v = 0;
  const auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || ptr != text.data() + text.size()) r.fail(std::string(what) + " '" + std::string(text) + "' is not a number");
  return v;
}

}  // namespace

NgramModel read_arpa(const std::string& path) {
  LineReader r;
  r.path = path;
  r.in.open(path, std::ios::binary);
  if (!r.in) throw FormatError(path + ": cannot open");
  // \data\ and the counts.
  bool found = false;
  while (r.next())
    if (r.line.rfind("\\data\\", 0) == 0 && blank(r.line.substr(6))) {
      found = true;
      break;
    }
  if (!found) throw FormatError(path + ": no \\data\\ section (not an ARPA file)");
  std::vector<size_t> counts;
  while (r.next()) {
    if (blank(r.line)) {
      if (counts.empty()) continue;
      break;
    }
    std::string s;
    for (char c : r.line)
      if (c != ' ' && c != '\t') s += c;
    if (s.rfind("ngram", 0) != 0) {
      if (s.rfind("\\", 0) == 0) break;
      r.fail("expected 'ngram N=COUNT' in \\data\\, got '" + r.line + "'");
    }
    const size_t eq = s.find('=');
    if (eq == std::string::npos) r.fail("expected 'ngram N=COUNT', got '" + r.line + "'");
    const double n = parse_number(r, std::string_view(s).substr(5, eq - 5), "order");
    const double c = parse_number(r, std::string_view(s).substr(eq + 1), "count");
    if (n != double(counts.size() + 1)) r.fail("expected the count of order " + std::to_string(counts.size() + 1) + ", got '" + r.line + "'");
    if (c < 0 || c != double(int64_t(c))) r.fail("bad n-gram count in '" + r.line + "'");
    counts.push_back(size_t(c));
  }
  if (counts.empty()) r.fail("\\data\\ lists no n-gram counts");
  if (counts.size() > size_t(kMaxOrder))
    r.fail("order " + std::to_string(counts.size()) + " is above the highest supported, " + std::to_string(kMaxOrder));

  NgramModel m;
  const int order = int(counts.size());
  m.tables.resize(size_t(order));
  bool pending = !blank(r.line) && r.line.rfind("\\", 0) == 0;  // a header line already read
  std::vector<std::pair<Key, int64_t>> where;                     // each n-gram and its line
  for (int n = 1; n <= order; ++n) {
    const std::string header = "\\" + std::to_string(n) + "-grams:";
    if (!pending) {
      while (r.next() && blank(r.line)) {
      }
      if (!r.in) throw FormatError(path + ": ends before the " + header + " section");
    }
    pending = false;
    std::string trimmed = r.line;
    while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t')) trimmed.pop_back();
    if (trimmed != header) r.fail("expected " + header + ", got '" + r.line + "'");
    NgramTable& t = m.tables[size_t(n - 1)];
    t.keys.reserve(counts[size_t(n - 1)]);
    while (r.next()) {
      if (blank(r.line)) continue;
      if (r.line[0] == '\\') {
        pending = true;
        break;
      }
      const std::vector<std::string_view> f = fields(r.line);
      const size_t want = size_t(n) + 1;
      if (f.size() != want && !(f.size() == want + 1 && n < order))
        r.fail("a " + std::to_string(n) + "-gram line needs " + std::to_string(want) + (n < order ? " or " + std::to_string(want + 1) : "") +
               " fields (log10 probability, " + std::to_string(n) + " word" + (n > 1 ? "s" : "") +
               (n < order ? ", optional back-off" : "") + "), got " + std::to_string(f.size()));
      if (t.keys.size() == counts[size_t(n - 1)])
        r.fail("more " + std::to_string(n) + "-grams than \\data\\ announced (" + std::to_string(counts[size_t(n - 1)]) + ")");
      Key k{};
      for (int w = 0; w < n; ++w) {
        if (n == 1) {
          k[0] = m.vocab.add(f[1]);
        } else {
          if (!m.vocab.contains(f[size_t(w) + 1]))
            r.fail("word '" + std::string(f[size_t(w) + 1]) + "' is not among the unigrams");
          k[size_t(w)] = m.vocab.find(f[size_t(w) + 1]);
        }
      }
      t.keys.push_back(k);
      where.emplace_back(k, r.no);
      t.log10_prob.push_back(parse_number(r, f[0], "log10 probability"));
      t.log10_backoff.push_back(f.size() == want + 1 ? parse_number(r, f[want], "back-off weight") : 0.0);
    }
    if (t.keys.size() != counts[size_t(n - 1)])
      r.fail("the " + header + " section has " + std::to_string(t.keys.size()) + " entries, \\data\\ announced " +
             std::to_string(counts[size_t(n - 1)]));
    std::sort(where.begin(), where.end());
    for (size_t i = 1; i < where.size(); ++i)
      if (where[i].first == where[i - 1].first) {
        std::string g;
        for (int w = 0; w < n; ++w) g += (w ? " " : "") + m.vocab.word(where[i].first[size_t(w)]);
        throw FormatError(path + ":" + std::to_string(std::max(where[i].second, where[i - 1].second)) + ": the " +
                          std::to_string(n) + "-gram '" + g + "' is listed twice (also on line " +
                          std::to_string(std::min(where[i].second, where[i - 1].second)) + ")");
      }
    where.clear();
    t.sort();
    if (!pending) r.fail("expected " + (n < order ? "\\" + std::to_string(n + 1) + "-grams:" : std::string("\\end\\")));
  }
  std::string trimmed = r.line;
  while (!trimmed.empty() && (trimmed.back() == ' ' || trimmed.back() == '\t')) trimmed.pop_back();
  if (trimmed != "\\end\\") r.fail("expected \\end\\, got '" + r.line + "'");
  while (r.next())
    if (!blank(r.line)) r.fail("text after \\end\\");
  return m;
}

}  // namespace lmf::ngram
