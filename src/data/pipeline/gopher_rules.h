// The hand-designed document rules of Gopher (Rae et al., 2021, as datatrove implements
// them for FineWeb): quality and repetition, each threshold configurable, defaults as
// published. The `filter` stage (quality_filter.h) applies them; each returns the removal
// reason (in brackets below) or "" to keep the document.
//
// Words are the whitespace-separated tokens; a token made only of ASCII punctuation is a
// symbol, not a word; lengths are in code points (text_scan.h).
//
// Quality, documents removed when:
//   words < min_doc_words 50 [gopher_min_words], > max_doc_words 100000 [gopher_max_words]
//   mean word length < 3 [gopher_short_words] or > 10 [gopher_long_words]
//   ("#" count + "..."/"…" count) / words > max_symbol_word_ratio 0.1 [gopher_symbol_ratio]
//   lines starting with "•" or "-" (after spaces) / lines > 0.9 [gopher_bullet_lines]
//   lines ending with "..." or "…" / lines > 0.3 [gopher_ellipsis_lines]
//   tokens with a letter / tokens < min_alpha_word_ratio 0.8 [gopher_alpha_words]
//   tokens among the stop words (the, be, to, of, and, that, have, with) < 2 [gopher_stop_words]
// Repetition, removed when:
//   lines equal to an earlier line / lines > 0.3 [gopher_dup_lines], their characters /
//   all characters > 0.2 [gopher_dup_line_chars]; the same for paragraphs (split at blank
//   lines) [gopher_dup_paragraphs 0.3, gopher_dup_paragraph_chars 0.2]
//   the characters of the most frequent n-gram (word lengths × occurrences, when it occurs
//   twice or more) / characters of all words > 0.20, 0.18, 0.16 for n = 2, 3, 4 [gopher_top_Ngram]
//   characters of words covered by an n-gram occurring more than once / characters of all
//   words > 0.15, 0.14, 0.13, 0.12, 0.11, 0.10 for n = 5..10 [gopher_dup_Ngram]
#pragma once
#include <string>
#include <utility>
#include <vector>

#include "data/pipeline/text_scan.h"

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

// The reason a rule set removes `text`, or "" to keep it.
std::string gopher_quality(const std::string& text, const GopherQualityOptions& o);
std::string gopher_repetition(const std::string& text, const GopherRepetitionOptions& o);
// The same with the text's scan (scan_text(text)) already made, as the filter stage shares it.
std::string gopher_quality(const std::string& text, const TextScan& scan, const GopherQualityOptions& o);
std::string gopher_repetition(const std::string& text, const TextScan& scan, const GopherRepetitionOptions& o);

}  // namespace lmf::data::pipeline
