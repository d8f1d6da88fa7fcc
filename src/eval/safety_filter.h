// The safety filter of generate, chat, serve and eval (--safety default|FILE): phrase lists
// by category and the data pipeline's PII detector, checked on the request and on the output.
//
// Lists: `default` is the English list of npm naughty-words 1.2.0 ("List of Dirty, Naughty,
// Obscene, and Otherwise Bad Words" by the LDNOOBW contributors, CC-BY-4.0; category
// "obscene"), compiled in (eval/safety_default_list.h); a FILE has one
// rule a line, CATEGORY<TAB>PHRASE (blank lines and lines starting with '#' skipped; a line
// without a tab, an empty category or an empty phrase is an Error naming FILE:LINE). PII (data/pipeline/pii.h: e-mail addresses, phone numbers, IP addresses,
// credit-card and social-security numbers, secrets) is checked with every list, as category
// "pii_<type>" ("pii_email", ...).
//
// Matching is case-insensitive on word boundaries: text and phrases are read as words —
// maximal runs of letters and numbers (Unicode categories L*, N*), compared after full case
// folding (as Python's str.casefold) — and a phrase matches where its words appear
// consecutively in the text, whatever separates them ("Two  Girls" and "two-girls" match
// "two girls"; "class" does not match "ass"). A phrase without a letter or digit (an emoji)
// matches where it is written. The first match is the one that starts first (then the
// longest).
//
// A blocked request gets refusal(match), which names the category. A blocked output is cut
// where the match begins: OutputGuard passes generated text through as it streams, holding
// back only the tail that a later piece could still turn into a match (the last words, up
// to the longest phrase, and the last whitespace-free run for PII), so a phrase split across
// tokens or stream chunks is caught all the same.
#pragma once
#include <cstddef>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

namespace lmf::data::pipeline {
class PiiDetector;
}

namespace lmf::eval {

struct SafetyRule {
  std::string category, phrase;
  std::string where;  // "FILE:LINE" or "default:N"
};

struct SafetyMatch {
  std::string category, phrase;  // phrase: the rule's phrase, or the PII type's name
  size_t begin = 0, end = 0;     // byte range in the checked text
};

class SafetyFilter {
 public:
  // "default" or a FILE of CATEGORY<TAB>PHRASE lines.
  static SafetyFilter load(const std::string& spec);
  explicit SafetyFilter(std::vector<SafetyRule> rules);
  SafetyFilter(SafetyFilter&&) noexcept;
  SafetyFilter& operator=(SafetyFilter&&) noexcept;
  ~SafetyFilter();

  // The first match in `text`. final = false: the text may still grow, so a match that ends
  // at the end of the text (which a longer word could still extend) does not count yet.
  std::optional<SafetyMatch> check(std::string_view text, bool final = true) const;
  // Where the text is safe to release while it may still grow: no match can begin before it.
  size_t stable_prefix(std::string_view text) const;

  const std::vector<SafetyRule>& rules() const { return rules_; }
  const std::string& spec() const { return spec_; }
  static std::string refusal(const SafetyMatch& m);

 private:
  std::vector<SafetyRule> rules_;
  std::vector<std::vector<std::string>> words_;                    // rule -> folded words (empty: a literal)
  std::vector<size_t> literals_;                                   // rules without a letter or digit
  size_t max_literal_ = 0;                                         // bytes
  std::unordered_map<std::string, std::vector<size_t>> by_first_;  // first folded word -> rules
  size_t max_words_ = 1;
  std::unique_ptr<data::pipeline::PiiDetector> pii_;
  std::string spec_;
};

// Generated text through the filter, piece by piece.
class OutputGuard {
 public:
  explicit OutputGuard(const SafetyFilter* filter) : filter_(filter) {}
  // Adds a piece; returns the text that may be shown now ("" once blocked).
  std::string feed(std::string_view piece);
  // The end of generation: returns the rest that may be shown.
  std::string finish();
  bool blocked() const { return match_.has_value(); }
  const std::optional<SafetyMatch>& match() const { return match_; }
  // Everything released so far (the output cut where it crossed the line, once blocked).
  std::string released() const { return text_.substr(0, sent_); }

 private:
  std::string release(bool final);
  const SafetyFilter* filter_;
  std::string text_;
  size_t sent_ = 0;
  std::optional<SafetyMatch> match_;
};

}  // namespace lmf::eval
