// `lmforge ngram perplexity`'s library side: load a model (directory or ARPA file) and
// score a text file (words) or a token shard (tokens) with it (scoring.h).
//
// A model directory knows its unit: scoring words with a token model or tokens with a
// word model is an Error. A shard's documents are cut at the eot id given, else the
// model's eot_id, else meta.json's beside the shard.
#pragma once
#include <cstdint>
#include <string>

#include "models/ngram/scoring.h"
#include "models/ngram/train.h"

namespace lmf::ngram {

struct NgramPerplexityOptions {
  std::string model;   // model directory or ARPA file
  std::string text;    // a text file, or
  std::string shard;   // a token shard
  int64_t eot_id = kEotFromMeta;
  bool per_token = false;
};

struct NgramPerplexity {
  int order = 0;
  Unit unit = Unit::Word;
  std::string corpus;  // the file scored
  CorpusScore score;
};

NgramPerplexity ngram_perplexity(const NgramPerplexityOptions& options);

}  // namespace lmf::ngram
