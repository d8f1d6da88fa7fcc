// The `filter` stage: applies the Gopher quality and repetition rules (gopher_rules.h) and
// the C4 rules (c4_rules.h), in FineWeb's order: Gopher repetition, Gopher quality, then
// C4. The first rule that fires removes the document with its reason; C4's line rules
// rewrite the text of the documents it keeps and are counted per rule
// (c4_lines_no_terminal_punct, c4_lines_too_few_words, c4_lines_long_word,
// c4_lines_javascript, c4_lines_policy).
//
// Settings (docs/pipeline.md), flat, by the names of the option fields: the rule sets'
// switches gopher_quality, gopher_repetition and c4, then every threshold of
// GopherQualityOptions, GopherRepetitionOptions and C4Options. report.json lists them all
// but C4's six on/off switches (filter_no_terminal_punct ... filter_curly_bracket).
#pragma once
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/pipeline/c4_rules.h"
#include "data/pipeline/gopher_rules.h"
#include "data/pipeline/stage.h"

namespace lmf::data::pipeline {

struct FilterOptions {
  bool gopher_quality = true, gopher_repetition = true, c4 = true;
  GopherQualityOptions quality;
  GopherRepetitionOptions repetition;
  C4Options c4_rules;
  // Settings by their names above, flat: {"min_doc_words": 30, "c4": false, ...}.
  static FilterOptions from_json(const nlohmann::json& j);

  // The settings report.json lists, f(name, field) each (see options.h).
  template <class Self, class F>
  static void each_setting(Self& o, F&& f) {
    f("gopher_quality", o.gopher_quality);
    f("gopher_repetition", o.gopher_repetition);
    f("c4", o.c4);
    f("min_doc_words", o.quality.min_doc_words);
    f("max_doc_words", o.quality.max_doc_words);
    f("min_avg_word_length", o.quality.min_avg_word_length);
    f("max_avg_word_length", o.quality.max_avg_word_length);
    f("max_symbol_word_ratio", o.quality.max_symbol_word_ratio);
    f("max_bullet_lines_ratio", o.quality.max_bullet_lines_ratio);
    f("max_ellipsis_lines_ratio", o.quality.max_ellipsis_lines_ratio);
    f("min_alpha_word_ratio", o.quality.min_alpha_word_ratio);
    f("min_stop_words", o.quality.min_stop_words);
    f("dup_line_frac", o.repetition.dup_line_frac);
    f("dup_para_frac", o.repetition.dup_para_frac);
    f("dup_line_char_frac", o.repetition.dup_line_char_frac);
    f("dup_para_char_frac", o.repetition.dup_para_char_frac);
    f("top_n_grams", o.repetition.top_n_grams);
    f("dup_n_grams", o.repetition.dup_n_grams);
    f("min_words_per_line", o.c4_rules.min_words_per_line);
    f("max_word_length", o.c4_rules.max_word_length);
    f("min_num_sentences", o.c4_rules.min_num_sentences);
  }
  // C4's on/off switches, read but not reported.
  template <class Self, class F>
  static void each_c4_switch(Self& o, F&& f) {
    f("filter_no_terminal_punct", o.c4_rules.filter_no_terminal_punct);
    f("filter_javascript", o.c4_rules.filter_javascript);
    f("filter_policy", o.c4_rules.filter_policy);
    f("remove_citations", o.c4_rules.remove_citations);
    f("filter_lorem_ipsum", o.c4_rules.filter_lorem_ipsum);
    f("filter_curly_bracket", o.c4_rules.filter_curly_bracket);
  }
};

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
