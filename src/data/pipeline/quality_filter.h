// The `filter` stage: the hand-designed quality rules of Gopher (Rae et al., 2021, as
// datatrove implements them for FineWeb) and C4 (Raffel et al., 2020), each threshold
// configurable, defaults as published.
//
// Words are the whitespace-separated tokens; a token made only of ASCII punctuation is a
// symbol, not a word; lengths are in code points. Each rule names its removal reason.
//
// Gopher quality (reason in brackets), documents removed when:
//   words < min_doc_words 50 [gopher_min_words], > max_doc_words 100000 [gopher_max_words]
//   mean word length < 3 [gopher_short_words] or > 10 [gopher_long_words]
//   ("#" count + "..."/"…" count) / words > max_symbol_word_ratio 0.1 [gopher_symbol_ratio]
//   lines starting with "•" or "-" (after spaces) / lines > 0.9 [gopher_bullet_lines]
//   lines ending with "..." or "…" / lines > 0.3 [gopher_ellipsis_lines]
//   tokens with a letter / tokens < min_alpha_word_ratio 0.8 [gopher_alpha_words]
//   tokens among the stop words (the, be, to, of, and, that, have, with) < 2 [gopher_stop_words]
// Gopher repetition, removed when:
//   lines equal to an earlier line / lines > 0.3 [gopher_dup_lines], their characters /
//   all characters > 0.2 [gopher_dup_line_chars]; the same for paragraphs (split at blank
//   lines) [gopher_dup_paragraphs 0.3, gopher_dup_paragraph_chars 0.2]
//   the characters of the most frequent n-gram (word lengths × occurrences, when it occurs
//   twice or more) / characters of all words > 0.20, 0.18, 0.16 for n = 2, 3, 4 [gopher_top_Ngram]
//   characters of words covered by an n-gram occurring more than once / characters of all
//   words > 0.15, 0.14, 0.13, 0.12, 0.11, 0.10 for n = 5..10 [gopher_dup_Ngram]
// C4 (line rules drop lines and rewrite the text; document rules remove it):
//   lines without terminal punctuation (. ! ? " or ”, and not "...") are dropped, lines with
//   fewer than 3 words, lines with a word longer than 1000 characters, lines mentioning
//   "javascript", and lines with a cookie / privacy / terms-of-use notice; citation marks
//   like "[1]" are removed from lines;
//   documents containing "lorem ipsum" [c4_lorem_ipsum] or "{" [c4_curly_bracket], or with
//   fewer than 5 sentences left [c4_too_few_sentences] are removed.
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/pipeline/stage.h"

namespace lmf::data::pipeline {

struct GopherQualityOptions {
  int min_doc_words = 50, max_doc_words = 100000;
  double min_avg_word_length = 3, max_avg_word_length = 10;
  double max_symbol_word_ratio = 0.1, max_bullet_lines_ratio = 0.9, max_ellipsis_lines_ratio = 0.3;
  double min_alpha_word_ratio = 0.8;
  int min_stop_words = 2;
};

struct GopherRepetitionOptions {
  double dup_line_frac = 0.3, dup_para_frac = 0.3, dup_line_char_frac = 0.2, dup_para_char_frac = 0.2;
  std::vector<std::pair<int, double>> top_n_grams = {{2, 0.20}, {3, 0.18}, {4, 0.16}};
  std::vector<std::pair<int, double>> dup_n_grams = {{5, 0.15}, {6, 0.14}, {7, 0.13}, {8, 0.12}, {9, 0.11}, {10, 0.10}};
};

struct C4Options {
  bool filter_no_terminal_punct = true;
  int min_words_per_line = 3;
  int max_word_length = 1000;
  bool filter_javascript = true, filter_policy = true, remove_citations = true;
  bool filter_lorem_ipsum = true, filter_curly_bracket = true;
  int min_num_sentences = 5;
};

// Line counts of C4's line rules.
struct C4LineCounts {
  int64_t no_terminal_punct = 0, too_few_words = 0, long_word = 0, javascript = 0, policy = 0;
};

// The reason a rule set removes `text`, or "" to keep it.
std::string gopher_quality(const std::string& text, const GopherQualityOptions& o);
std::string gopher_repetition(const std::string& text, const GopherRepetitionOptions& o);
// C4: rewrites text (lines dropped) and returns the removal reason or "".
std::string c4_filter(std::string& text, const C4Options& o, C4LineCounts* counts = nullptr);

struct FilterOptions {
  bool gopher_quality = true, gopher_repetition = true, c4 = true;
  GopherQualityOptions quality;
  GopherRepetitionOptions repetition;
  C4Options c4_rules;
  // Settings by their names above, flat: {"min_doc_words": 30, "c4": false, ...}.
  static FilterOptions from_json(const nlohmann::json& j);
};

// Order: Gopher repetition, Gopher quality, then C4 (as FineWeb runs them).
class FilterStage : public Stage {
 public:
  explicit FilterStage(FilterOptions o) : o_(std::move(o)) {}
  std::string name() const override { return "filter"; }
  std::vector<std::string> counter_names() const override;
  void process(Document& doc, int64_t position, int64_t* counters) const override;
  void report(nlohmann::ordered_json& out) const override;

 private:
  FilterOptions o_;
};

}  // namespace lmf::data::pipeline
