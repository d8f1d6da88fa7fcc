// Sentences for an n-gram model, read from a text file (words) or a token shard (tokens).
//
// Text: UTF-8 lines; each non-blank line is one sentence, its words split at ASCII
// whitespace. A line may already carry the boundary marks: a leading <s> and a trailing
// </s> are dropped; <s> or </s> anywhere else is a FormatError naming FILE:LINE. The word
// <unk> is the unknown word.
//
// Token shards (data/token_shard.h, as `lmforge data tokenize` writes them): each token id
// is the word spelled as its decimal number. When eot_id >= 0 the shard is cut into
// documents at every eot token (the eot itself is no word: `data tokenize` puts one before
// every document), each document one sentence; empty documents are skipped. Without an eot
// the whole shard is one sentence.
//
// The caller adds the boundaries: every sentence is scored and counted as <s> w1 .. wn </s>.
#pragma once
#include <cstdint>
#include <functional>
#include <span>
#include <string>

#include "models/ngram/vocabulary.h"

namespace lmf::ngram {

enum class Unit { Word, Token };
const char* unit_name(Unit u);

struct CorpusFile {
  std::string path;
  Unit unit = Unit::Word;
  int64_t eot_id = -1;  // tokens: the document separator, -1 for none
};

// True when `path` starts with a token shard's magic number (a UTF-8 text cannot).
bool is_token_shard(const std::string& path);

// What a pass over a corpus saw.
struct CorpusStats {
  int64_t sentences = 0;
  int64_t words = 0;  // </s> not included
  int64_t oov = 0;    // words the vocabulary did not hold (mapped to <unk>)
};

// Calls fn(ids) for every sentence in order, ids without the boundary symbols. With
// grow, new words are added to `vocab`; without, they map to <unk> and count as oov.
CorpusStats for_each_sentence(const CorpusFile& file, Vocabulary& vocab, bool grow,
                              const std::function<void(std::span<const WordId> ids)>& fn);

}  // namespace lmf::ngram
