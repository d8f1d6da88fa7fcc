// Do a model's vectors of a word tell its senses apart? The survey's homonym example
// (ELMo vs word2vec) made measurable: occurrences of words with two senses, each occurrence
// labelled by sense (tasks/homonym_senses/contexts.jsonl, built by scripts/make-eval-tasks),
// one vector a occurrence from the model under test (eval/sense_vectors.h), and per word:
//
//   same        mean cosine similarity over the pairs of occurrences of the same sense
//   cross       mean cosine similarity over the pairs of occurrences of different senses
//   separation  same − cross                (0: the vectors do not see the sense)
//   accuracy    leave-one-out nearest-centroid sense accuracy: occurrence i is given the
//               sense whose centroid (mean of the unit vectors of that sense's other
//               occurrences) has the largest cosine with it; senses within 1e-9 of the best
//               share the vote (a tie of k senses counts 1/k when the true sense is among them)
//
// and their unweighted means over the words. A static vector (word2vec) is the same at every
// occurrence, so its same = cross = 1, its separation 0 and its accuracy chance (1/senses).
// Cosines are computed in double precision. A zero vector is an error naming the context.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

namespace lmf::eval {

struct SenseContext {
  std::string word, sense, text;
  int64_t start = 0, end = 0;  // byte offsets of the occurrence in text
  std::string where;           // "PATH:LINE"
};

// One object a line: word, sense, text (strings), start and end (byte offsets, 0 <= start <
// end <= bytes of text). FormatError naming PATH:LINE and the field otherwise; an error too
// when a word has fewer than two senses or a sense fewer than two occurrences.
std::vector<SenseContext> read_sense_contexts(const std::string& path);

struct WordSenseScores {
  std::string word;
  std::vector<std::pair<std::string, int64_t>> senses;  // (sense, occurrences), sorted by sense
  double same = 0, cross = 0, separation = 0, accuracy = 0;
};

struct SenseReport {
  std::vector<WordSenseScores> words;  // sorted by word
  double same = 0, cross = 0, separation = 0, accuracy = 0;  // unweighted means over words
  int64_t separated = 0;  // words with same > cross
};

// vectors[i] (dim) belongs to contexts[i]; all of one width.
SenseReport score_senses(const std::vector<SenseContext>& contexts, const std::vector<std::vector<float>>& vectors);

nlohmann::ordered_json sense_report_json(const SenseReport& r);

}  // namespace lmf::eval
