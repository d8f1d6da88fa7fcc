// Perplexity of a corpus under an n-gram model.
//
// Every sentence (corpus.h) is scored as <s> w1 .. wn </s>: each wi and the closing </s>
// is predicted from the words before it in its sentence, starting from <s> (the context
// never crosses a sentence). A word outside the model's vocabulary is scored as <unk> when
// the model has a <unk> unigram; in a model without one it is skipped (not scored) and
// counted in `skipped`. Every word outside the vocabulary is counted in `oov`.
//
//   perplexity = 10^(-log10_prob / scored),  scored = predicted words + sentences' </s>
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "models/ngram/corpus.h"
#include "models/ngram/ngram_model.h"

namespace lmf::ngram {

struct TokenScore {
  std::string word;     // as in the model's vocabulary (<unk> for an unknown word)
  double log10_prob;    // log10 p(word | context)
  int ngram_order;      // the order of the n-gram that gave it (ARPA back-off)
};

struct CorpusScore {
  int64_t sentences = 0, words = 0, oov = 0, skipped = 0;
  int64_t scored = 0;       // predictions that count: words + </s> - skipped
  double log10_prob = 0;    // summed over the scored predictions
  int64_t bytes = 0;        // the file's size in bytes for a text corpus, else 0
  std::vector<TokenScore> tokens;  // every scored prediction in order, when asked for

  double perplexity() const;
  double bits_per_byte() const;  // -log2 p / bytes; 0 when bytes is 0
};

CorpusScore score_corpus(const NgramModel& model, const CorpusFile& file, bool per_token = false);

}  // namespace lmf::ngram
