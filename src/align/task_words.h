// The words the embedded preference tasks are written in, shared by the generators that
// write the tasks (align/preference_tasks.h) and the judge that reads a task back from a
// prompt (align/judge.h). Both read these lists, so every prompt the generators write is one
// the judge recognises.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lmf::align::task_words {

// Clearly harmful requests, each completing "how to ..." (refusal prompts hold one).
extern const std::vector<std::string> kHarms;

// Questions with a known one-word or integer answer (format prompts).
struct Fact {
  std::string question, answer, sentence;  // answer: one word, or an integer
};
extern const std::vector<Fact> kFacts;

// The instructions that end a format prompt.
extern const std::string kOneWord, kNumberOnly, kCapitals;

// Ordinary requests, the verb phrases after "help me" (polite prompts hold one).
extern const std::vector<std::string> kRequests;

// What may open a question about the asker (honest prompts).
extern const std::vector<std::string> kAskPrefixes;

// English words of 0 <= n <= 99 ("forty-two"); empty beyond.
std::string number_word(int64_t n);

}  // namespace lmf::align::task_words
