// Training an n-gram model: `lmforge train --arch ngram`'s library side.
//
// Data: a directory from `lmforge data tokenize` (train.bin, and val.bin, meta.json,
// tokenizer.json when present), a token shard file, or a text file (one sentence a line,
// whitespace-split words; corpus.h). A shard's documents are cut at the eot id: the one
// given, else meta.json's eot_id beside the shard, else none.
//
// The counts (counts.h) are estimated with interpolated modified Kneser-Ney
// (kneser_ney.h), and the model directory (model_dir.h) is written to out_dir, with the
// data directory's tokenizer.json copied beside it for a token model. When held-out data
// is at hand (val, or the data directory's val.bin) its perplexity is measured.
#pragma once
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "models/ngram/corpus.h"
#include "models/ngram/kneser_ney.h"
#include "models/ngram/scoring.h"

namespace lmf::ngram {

inline constexpr int64_t kEotFromMeta = -2;

struct NgramTrainOptions {
  std::string data, val, out_dir;
  int order = 3;
  int64_t eot_id = kEotFromMeta;  // -1: none
};

struct NgramTrainReport {
  int order = 0;
  Unit unit = Unit::Word;
  size_t vocab_size = 0;            // reserved symbols included
  std::vector<size_t> ngrams;       // per order, as in the ARPA file
  std::vector<OrderDiscounts> discounts;
  CorpusStats train;
  std::optional<CorpusScore> val;
  double seconds = 0;
};

// The corpus `path` names (a data directory means its train.bin), with its eot resolved.
CorpusFile resolve_corpus(const std::string& path, int64_t eot_id = kEotFromMeta);

NgramTrainReport train_ngram(const NgramTrainOptions& options);

}  // namespace lmf::ngram
