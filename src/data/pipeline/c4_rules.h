// The hand-designed rules of C4 (Raffel et al., 2020), each configurable, defaults as
// published. The `filter` stage (quality_filter.h) applies them after Gopher's.
//
// Line rules drop lines and so rewrite the text: lines without terminal punctuation
// (. ! ? " or ”, and not "...") are dropped, lines with fewer than 3 words, lines with a
// word longer than 1000 characters (code points), lines mentioning "javascript", and lines
// with a cookie / privacy / terms-of-use notice; citation marks like "[1]" are removed
// from lines. Kept lines are trimmed and joined by '\n'.
// Document rules remove the document: it contains "lorem ipsum" [c4_lorem_ipsum] or "{"
// [c4_curly_bracket], or fewer than 5 sentences are left [c4_too_few_sentences].
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace lmf::data::pipeline {

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

// Rewrites text (lines dropped) and returns the removal reason or "".
std::string c4_filter(std::string& text, const C4Options& o, C4LineCounts* counts = nullptr);
// The same with the lines of text (split at '\n', as a TextScan gives them) already found.
std::string c4_filter(std::string& text, const C4Options& o, C4LineCounts* counts,
                      const std::vector<std::string_view>& lines);

}  // namespace lmf::data::pipeline
