// The default instruction data, generated from what lmforge installs: arithmetic questions,
// sentence tasks built from the Brown corpus and definitions from WordNet, as Alpaca examples
// with a train/test split. Deterministic in the seed; every answer is computed from the question, so a
// held-out example is answered exactly only by a model that learned the task.
//
//   arithmetic  "What is 23 + 9?" → "32"  (also a − b with a ≥ b, and a × b for one-digit b)
//   brown       "What is the last word of this sentence?" + sentence → the word
//               "Complete the sentence." + sentence without its last word → the word
//               "What is the first word of this sentence?" + sentence → the word
//               "Rewrite the sentence in capital letters." + sentence → it in capitals
//   wordnet     "Define the word \"dwarf\"." → "a plant or animal that is atypically small"
//               (nouns of WordNet 3.0, Debian wordnet-base, with a short first definition;
//               a held-out word is not in the training split, so these teach the form)
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lmf::ft {

struct InstructionExample {
  std::string instruction, input, output;
};

struct InstructionSplit {
  std::vector<InstructionExample> train, test;
};

// `n` arithmetic examples, n / 10 of them (rounded up) held out for test.
InstructionSplit arithmetic_tasks(int64_t n, uint64_t seed);
// `n` sentence tasks from short sentences of `texts` (Brown documents), n / 10 held out;
// Error when the texts hold too few usable sentences.
InstructionSplit sentence_tasks(const std::vector<std::string>& texts, int64_t n, uint64_t seed);

// `n` definitions of nouns from WordNet's data.noun in `dir` (/usr/share/wordnet), n / 10
// held out; Error when the file is missing or holds too few usable nouns.
InstructionSplit wordnet_tasks(const std::string& dir, int64_t n, uint64_t seed);

// One Alpaca JSON object per line.
std::string to_jsonl(const std::vector<InstructionExample>& xs);

// What `lmforge data instructions` writes: arithmetic always, sentence tasks when a Brown
// corpus folder is given, definitions when a WordNet folder is given (in that order in
// each split).
struct InstructionDataOptions {
  std::string brown_dir, wordnet_dir;  // empty: none
  int64_t arithmetic = 2000, sentences = 1000, definitions = 500;
  uint64_t seed = 1;
};
InstructionSplit default_instruction_data(const InstructionDataOptions& o);
// OUT/train.jsonl and OUT/test.jsonl, each written atomically.
void write_instruction_split(const InstructionSplit& s, const std::string& out_dir);

}  // namespace lmf::ft
