#include "data/pipeline/quality_filter.h"

#include "data/pipeline/options.h"
#include "data/pipeline/text_scan.h"

namespace lmf::data::pipeline {

FilterOptions FilterOptions::from_json(const nlohmann::json& j) {
  FilterOptions o;
  OptionReader r("filter", j);
  read_settings(r, o);
  each_c4_switch(o, [&](const char* key, bool& value) { r.get(key, value); });
  r.done();
  return o;
}

std::vector<std::string> FilterStage::counter_names() const {
  return {"c4_lines_no_terminal_punct", "c4_lines_too_few_words", "c4_lines_long_word", "c4_lines_javascript",
          "c4_lines_policy"};
}

void FilterStage::process(Document& doc, int64_t, int64_t* counters) const {
  std::string why;
  thread_local TextScan scan;
  const bool scanned = o_.gopher_repetition || o_.gopher_quality;
  if (scanned) scan_text(doc.text, scan);
  if (o_.gopher_repetition && !(why = gopher_repetition(doc.text, scan, o_.repetition)).empty())
    return doc.remove(name(), why);
  if (o_.gopher_quality && !(why = gopher_quality(doc.text, scan, o_.quality)).empty()) return doc.remove(name(), why);
  if (o_.c4) {
    C4LineCounts c;
    thread_local std::vector<std::string_view> lines;
    if (scanned) lines_of(doc.text, scan.newlines, 0, doc.text.size(), lines);
    else split_lines(doc.text, lines);
    why = c4_filter(doc.text, o_.c4_rules, &c, lines);
    counters[0] += c.no_terminal_punct, counters[1] += c.too_few_words, counters[2] += c.long_word;
    counters[3] += c.javascript, counters[4] += c.policy;
    if (!why.empty()) return doc.remove(name(), why);
  }
}

void FilterStage::report(nlohmann::ordered_json& out) const { out["settings"] = settings_json(o_); }

}  // namespace lmf::data::pipeline
