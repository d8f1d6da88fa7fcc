// Chain of thought and self-consistency.
//
// Zero-shot chain of thought (Kojima et al. 2022): the query followed by "\n" and a cue,
// "Let's think step by step." by default, so the model writes its steps before the answer.
//
// Self-consistency (Wang et al. 2023): several sampled replies, each reduced to its answer
// by a regular expression — lm-evaluation-harness's RegexFilter (eval/filters.h), taking
// the last match by default — and the most common answer wins (the first seen among
// equally common ones, as collections.Counter.most_common). Replies where the expression
// finds nothing do not vote; the share is the winner's votes over all replies.
#pragma once
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace lmf::augment {

inline constexpr const char* kCotCue = "Let's think step by step.";
// The last number in a reply: an optional minus, digits with optional thousands commas and
// decimals.
inline constexpr const char* kDefaultAnswerRegex = "-?[0-9][0-9,]*(?:\\.[0-9]+)?";

std::string cot_prompt(std::string_view query, std::string_view cue = kCotCue);

struct Vote {
  std::string answer;  // "" when no reply had one
  int64_t votes = 0, valid = 0, total = 0;
  double share = 0;                                     // votes / total
  std::vector<std::string> answers;                     // per reply ("" where none was found)
  std::vector<std::pair<std::string, int64_t>> counts;  // most common first
};

// Error naming --answer-regex when std::regex (ECMAScript) rejects the pattern.
void check_answer_regex(const std::string& answer_regex);
Vote majority_vote(const std::vector<std::string>& replies, const std::string& answer_regex = kDefaultAnswerRegex);

}  // namespace lmf::augment
