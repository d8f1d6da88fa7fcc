// WordPiece trainer: learns a BERT-style vocabulary from a corpus, as Hugging Face's
// WordPieceTrainer does (a BPE trainer whose later pieces carry the "##" prefix), and returns
// a Tokenizer in bert-base's tokenizer.json layout: BertNormalizer (lowercase or cased),
// BertPreTokenizer, TemplateProcessing "[CLS] $A [SEP]", WordPiece decoder, WordPiece model.
//
// Training: lines are normalized and split into words as the resulting tokenizer will split
// them (special tokens in the text are cut out first), distinct words counted. The
// vocabulary starts with the special tokens, then every character seen (sorted by code
// point), then "##c" for every character seen inside a word (sorted); then the most frequent
// adjacent pair of pieces is merged (ties: the smaller pair of ids) into the piece a + b
// without b's "##", until the vocabulary holds vocab_size tokens.
//
// Promises: deterministic (same corpus and options, same file, whatever the thread count);
// vocab_size() == options.vocab_size, or an lmf::Error says what the corpus allows; the
// special tokens must include [UNK] (the unk token); [CLS] and [SEP] give the template.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "tokenizer/tokenizer.h"

namespace lmf::tok {

struct WordPieceTrainerOptions {
  size_t vocab_size = 30522;  // bert-base's size
  std::vector<std::string> special_tokens = {"[PAD]", "[UNK]", "[CLS]", "[SEP]", "[MASK]"};
  bool lowercase = true;      // bert-base-uncased; false: bert-base-cased
  uint64_t min_frequency = 2;  // a pair must occur at least this often to be merged
  int threads = 0;             // <= 0: lmf::threads::get()
};

Tokenizer train_wordpiece(const std::vector<std::string>& files, const WordPieceTrainerOptions& options);
Tokenizer train_wordpiece_texts(const std::vector<std::string>& texts, const WordPieceTrainerOptions& options);

}  // namespace lmf::tok
