// Which evaluation documents share a word n-gram (13, GPT-3's rule) with a training corpus,
// through the data pipeline's decontaminate stage (data/pipeline/decontaminate.h): the
// documents' texts are its evaluation set — words as data/pipeline/words.h (ASCII letters
// lower-cased, punctuation and whitespace separating words), a text shorter than n words
// contributing its whole word sequence, an n-gram that several documents hold counting for
// each — and the corpus streams through it.
//
// Corpus paths: files or folders read as pipeline input (JSONL with a `text` field, else
// text with a document per blank-line block; gzip/zstd allowed); a file ending in `.bin` is
// a token shard in llm.c's format, split into documents at the tokenizer's end-of-text token
// and each decoded with that tokenizer (without one, or without an end-of-text token, it is
// an Error naming the shard). A path that does not exist is an Error naming it.
#pragma once
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace lmf::eval {

// Error naming the first corpus path that does not exist.
void check_corpus_paths(const std::vector<std::string>& corpus);

// One flag per text: whether it shares an n-gram with the corpus. `tk` may be null when no
// corpus path is a token shard.
std::vector<bool> contaminated_documents(const std::vector<std::string>& texts, const std::vector<std::string>& corpus,
                                         const tok::Tokenizer* tk, int ngram = 13);

}  // namespace lmf::eval
