// lm-evaluation-harness's filters of generated text (lm_eval/filters: RegexFilter,
// TakeFirstFilter, MajorityVoteFilter) and its exact_match metric (exact_match_hf_evaluate),
// as a task file's `filter_list` and `metric_list` name them.
//
//   regex          each response: re.findall(regex_pattern, resp); none: `fallback`
//                  ("[invalid]"); else match[group_select] (negative counts from the end,
//                  as Python indexes; outside the matches is an Error), a tuple of groups
//                  taken as its first non-empty group (none: fallback), then str.strip().
//                  findall gives the whole match for a pattern without groups, the group
//                  for one, all groups for several. The pattern is std::regex's ECMAScript
//                  syntax (Python's own extensions such as (?P<name>) are an Error at load).
//                  Default pattern "#### (\-?[0-9\.\,]+)", group_select 0.
//   take_first     the first response (of the `repeats` responses of a document)
//   majority_vote  the most common response, the first seen among equally common ones
//                  (collections.Counter.most_common)
// A chain is applied in order and must end in take_first or majority_vote (one answer a
// document).
//
// exact_match(prediction, reference): each of regexes_to_ignore removed from both
// (re.sub(r, "", x)), then with ignore_case both lowercased (ASCII letters), with
// ignore_punctuation string.punctuation removed, with ignore_numbers the digits 0-9
// removed; 1.0 when equal.
#pragma once
#include <cstdint>
#include <regex>
#include <string>
#include <vector>

namespace lmf::eval {

struct FilterStep {
  std::string function;  // regex, take_first, majority_vote
  std::string pattern = "#### (\\-?[0-9\\.\\,]+)";
  std::regex regex;
  int64_t group_select = 0;
  std::string fallback = "[invalid]";
};

struct Filter {
  std::string name = "none";
  std::vector<FilterStep> steps;  // default: take_first
};

// A regex step (the pattern compiled); Error naming `where` for a pattern std::regex rejects.
FilterStep regex_step(const std::string& pattern, int64_t group_select, const std::string& fallback, const std::string& where);
FilterStep simple_step(const std::string& function);  // take_first, majority_vote

// Python's re.findall(pattern, s) reduced to the harness's RegexFilter (see above).
std::string regex_filter(const FilterStep& step, const std::string& response);
// The filter chain over one document's responses: its one answer.
std::string apply_filter(const Filter& f, const std::vector<std::string>& responses);

struct ExactMatchOptions {
  std::vector<std::string> regexes_to_ignore;
  bool ignore_case = false, ignore_punctuation = false, ignore_numbers = false;
};
double exact_match_score(const std::string& prediction, const std::string& reference, const ExactMatchOptions& o);

// Python's str.strip() (Unicode whitespace).
std::string python_strip(const std::string& s);

}  // namespace lmf::eval
