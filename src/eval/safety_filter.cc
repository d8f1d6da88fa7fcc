#include "eval/safety_filter.h"

#include <utf8proc.h>

#include <algorithm>
#include <fstream>
#include <sstream>

#include "core/error.h"
#include "data/pipeline/pii.h"
#include "eval/safety_default_list.h"

namespace lmf::eval {
namespace {

struct Word {
  size_t begin, end;   // bytes in the text
  std::string folded;  // case-folded
};

bool is_word_char(utf8proc_int32_t cp) {
  switch (utf8proc_category(cp)) {
    case UTF8PROC_CATEGORY_LU: case UTF8PROC_CATEGORY_LL: case UTF8PROC_CATEGORY_LT: case UTF8PROC_CATEGORY_LM:
    case UTF8PROC_CATEGORY_LO: case UTF8PROC_CATEGORY_ND: case UTF8PROC_CATEGORY_NL: case UTF8PROC_CATEGORY_NO:
      return true;
    default:
      return false;
  }
}

// The words of `text` with their byte ranges; invalid UTF-8 bytes separate words.
std::vector<Word> words_of(std::string_view text) {
  std::vector<Word> out;
  size_t i = 0;
  bool in_word = false;
  while (i < text.size()) {
    utf8proc_int32_t cp = -1;
    utf8proc_ssize_t n = utf8proc_iterate(reinterpret_cast<const utf8proc_uint8_t*>(text.data() + i),
                                          utf8proc_ssize_t(text.size() - i), &cp);
    if (n <= 0) n = 1, cp = -1;
    if (cp >= 0 && is_word_char(cp)) {
      if (!in_word) out.push_back({i, i, ""}), in_word = true;
      utf8proc_int32_t folded[8];
      int last = 0;
      utf8proc_ssize_t m = utf8proc_decompose_char(cp, folded, 8, utf8proc_option_t(UTF8PROC_CASEFOLD), &last);
      if (m < 1 || m > 8) m = 1, folded[0] = cp;
      for (utf8proc_ssize_t k = 0; k < m; ++k) {
        utf8proc_uint8_t b[4];
        out.back().folded.append(reinterpret_cast<char*>(b), size_t(utf8proc_encode_char(folded[k], b)));
      }
      out.back().end = i + size_t(n);
    } else {
      in_word = false;
    }
    i += size_t(n);
  }
  return out;
}

bool is_space(char c) { return c == ' ' || c == '\t' || c == '\n' || c == '\r' || c == '\f' || c == '\v'; }

// Where the last `runs` whitespace-free runs of `text` begin (a PII match there may still
// grow: phone numbers are written in up to five groups).
constexpr int kPiiRuns = 6;
size_t tail_start(std::string_view text, int runs) {
  size_t at = text.size();
  for (int r = 0; r < runs && at > 0; ++r) {
    while (at > 0 && is_space(text[at - 1])) --at;
    while (at > 0 && !is_space(text[at - 1])) --at;
  }
  return at;
}

std::string lower_ascii(std::string s) {
  for (char& c : s)
    if (c >= 'A' && c <= 'Z') c = char(c - 'A' + 'a');
  return s;
}

std::vector<SafetyRule> read_rules(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) throw Error("--safety " + path + ": cannot read the file (give `default` or a file of CATEGORY<TAB>PHRASE lines)");
  std::vector<SafetyRule> rules;
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (!line.empty() && line.back() == '\r') line.pop_back();
    const std::string where = path + ":" + std::to_string(n);
    if (line.empty() || line[0] == '#') continue;
    const size_t tab = line.find('\t');
    if (tab == std::string::npos) throw Error(where + ": expected CATEGORY<TAB>PHRASE, found no tab");
    SafetyRule r{line.substr(0, tab), line.substr(tab + 1), where};
    if (r.category.empty()) throw Error(where + ": the category is empty");
    if (r.phrase.empty()) throw Error(where + ": the phrase is empty");
    rules.push_back(std::move(r));
  }
  if (rules.empty()) throw Error("--safety " + path + ": the file has no CATEGORY<TAB>PHRASE line");
  return rules;
}

}  // namespace

SafetyFilter SafetyFilter::load(const std::string& spec) {
  std::vector<SafetyRule> rules;
  if (spec == "default") {
    size_t n = 0;
    for (const char* phrase : kSafetyDefaultPhrases) rules.push_back({kSafetyDefaultCategory, phrase, "default:" + std::to_string(++n)});
  } else {
    rules = read_rules(spec);
  }
  SafetyFilter f(std::move(rules));
  f.spec_ = spec;
  return f;
}

SafetyFilter::SafetyFilter(std::vector<SafetyRule> rules)
    : rules_(std::move(rules)), words_(rules_.size()), pii_(std::make_unique<data::pipeline::PiiDetector>()) {
  for (size_t r = 0; r < rules_.size(); ++r) {
    std::vector<std::string> w;
    for (Word& x : words_of(rules_[r].phrase)) w.push_back(std::move(x.folded));
    if (w.empty()) {  // no letter or digit (an emoji): matched as it is written
      literals_.push_back(r);
      max_literal_ = std::max(max_literal_, rules_[r].phrase.size());
      continue;
    }
    max_words_ = std::max(max_words_, w.size());
    by_first_[w[0]].push_back(r);
    words_[r] = std::move(w);
  }
}

SafetyFilter::SafetyFilter(SafetyFilter&&) noexcept = default;
SafetyFilter& SafetyFilter::operator=(SafetyFilter&&) noexcept = default;
SafetyFilter::~SafetyFilter() = default;

std::optional<SafetyMatch> SafetyFilter::check(std::string_view text, bool final) const {
  std::optional<SafetyMatch> best;
  auto better = [&](const SafetyMatch& m) {
    return !best || m.begin < best->begin || (m.begin == best->begin && m.end > best->end);
  };
  const std::vector<Word> words = words_of(text);
  for (size_t i = 0; i < words.size(); ++i) {
    if (best && words[i].begin > best->begin) break;
    const auto it = by_first_.find(words[i].folded);
    if (it == by_first_.end()) continue;
    for (size_t r : it->second) {
      const std::vector<std::string>& w = words_[r];
      if (i + w.size() > words.size()) continue;
      bool ok = true;
      for (size_t k = 1; k < w.size() && ok; ++k) ok = words[i + k].folded == w[k];
      if (!ok) continue;
      const size_t end = words[i + w.size() - 1].end;
      if (!final && end == text.size()) continue;  // the last word may still grow
      SafetyMatch m{rules_[r].category, rules_[r].phrase, words[i].begin, end};
      if (better(m)) best = m;
    }
  }
  for (size_t r : literals_) {
    const size_t at = text.find(rules_[r].phrase);
    if (at == std::string_view::npos) continue;
    SafetyMatch m{rules_[r].category, rules_[r].phrase, at, at + rules_[r].phrase.size()};
    if (better(m)) best = m;
  }
  const size_t tail = final ? text.size() + 1 : tail_start(text, kPiiRuns);
  for (const data::pipeline::PiiMatch& p : pii_->find(text)) {
    // A match that ends in the tail of growing text may still extend (more digits, a longer domain).
    if (p.end >= tail) continue;
    SafetyMatch m{"pii_" + lower_ascii(data::pipeline::pii_type_name(p.type)), data::pipeline::pii_type_name(p.type), p.begin, p.end};
    if (better(m)) best = m;
    break;  // sorted by position: the first is the only candidate
  }
  return best;
}

size_t SafetyFilter::stable_prefix(std::string_view text) const {
  // A phrase match not complete yet begins at one of the last max_words_ words (or in a word
  // still being written); a PII match in the last kPiiRuns whitespace-free runs.
  const std::vector<Word> words = words_of(text);
  size_t cut = text.size();
  if (!words.empty()) {
    const size_t first = words.size() > max_words_ ? words.size() - max_words_ : 0;
    cut = std::min(cut, words[first].begin);
  }
  if (max_literal_ > 1) cut = std::min(cut, text.size() - std::min(text.size(), max_literal_ - 1));
  return std::min(cut, tail_start(text, kPiiRuns));
}

std::string SafetyFilter::refusal(const SafetyMatch& m) {
  return "I can't help with that: the safety filter blocked it (category: " + m.category + ").";
}

std::string OutputGuard::feed(std::string_view piece) {
  if (match_) return "";
  text_.append(piece);
  return release(false);
}

std::string OutputGuard::finish() { return match_ ? "" : release(true); }

std::string OutputGuard::release(bool final) {
  size_t upto = text_.size();
  if (filter_) {
    if (std::optional<SafetyMatch> m = filter_->check(text_, final)) {
      match_ = m;
      upto = std::max(sent_, m->begin);
    } else if (!final) {
      upto = std::max(sent_, filter_->stable_prefix(text_));
    }
  }
  std::string out = text_.substr(sent_, upto - sent_);
  sent_ = upto;
  return out;
}

}  // namespace lmf::eval
