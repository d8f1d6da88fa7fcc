#include "augment/chain_of_thought.h"

#include <algorithm>

#include "eval/filters.h"

namespace lmf::augment {
namespace {

constexpr const char* kNoAnswer = "\x01no answer";  // a fallback no reply can produce

}  // namespace

std::string cot_prompt(std::string_view query, std::string_view cue) {
  std::string p(query);
  p += '\n';
  p += cue;
  return p;
}

void check_answer_regex(const std::string& answer_regex) { eval::regex_step(answer_regex, -1, kNoAnswer, "--answer-regex"); }

Vote majority_vote(const std::vector<std::string>& replies, const std::string& answer_regex) {
  const eval::FilterStep step = eval::regex_step(answer_regex, -1, kNoAnswer, "--answer-regex");
  Vote v;
  v.total = int64_t(replies.size());
  for (const std::string& r : replies) {
    std::string a = eval::regex_filter(step, r);
    if (a == kNoAnswer) {
      v.answers.emplace_back();
      continue;
    }
    ++v.valid;
    auto it = std::find_if(v.counts.begin(), v.counts.end(), [&](const auto& c) { return c.first == a; });
    if (it == v.counts.end()) v.counts.push_back({a, 1});
    else ++it->second;
    v.answers.push_back(std::move(a));
  }
  std::stable_sort(v.counts.begin(), v.counts.end(), [](const auto& x, const auto& y) { return x.second > y.second; });
  if (!v.counts.empty()) {
    v.answer = v.counts[0].first;
    v.votes = v.counts[0].second;
  }
  v.share = v.total ? double(v.votes) / double(v.total) : 0.0;
  return v;
}

}  // namespace lmf::augment
