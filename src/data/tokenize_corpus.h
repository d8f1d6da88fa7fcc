// Text corpus -> token shards: the library side of `lmforge data tokenize`.
//
// Inputs: each plain-text file is one document; each non-blank line of a `.jsonl` file is
// one document, the string field "text" of the JSON object on that line. Empty documents
// are skipped. Documents keep their input order (files in the order given, lines in file
// order).
//
// Split: the last val_fraction of the documents go to val.bin, the rest to train.bin:
// n_val = round(val_fraction · n_docs), at least 1 and at most n_docs - 1 when there are
// two or more documents and val_fraction > 0. A corpus of one document is split by
// tokens instead: val.bin holds the document's last round(val_fraction · n) tokens (at
// least one), train.bin the rest.
//
// Encoding: documents are encoded with the tokenizer's batch encoder, in parallel, without
// special tokens (a literal "<|endoftext|>" in the text is ordinary text) unless
// allow_special is set: then the tokenizer's special tokens that occur in the text become
// their ids (tiktoken's allowed_special="all"), as for ChatML-formatted text. As in llm.c's
// data scripts, every document is preceded by the tokenizer's end-of-text token, so the
// shards start with it and it separates consecutive documents.
//
// Outputs in out_dir, each written atomically: train.bin and val.bin (token shards, see
// data/token_shard.h; val.bin may hold 0 tokens when val_fraction is 0), tokenizer.json
// (the tokenizer's file copied as is, or its Hugging Face form for a built-in
// encoding), and meta.json (tokenizer spec, vocab size, eot id, token and document
// counts), written last. Errors name the file and line (e.g. a .jsonl line that is not
// an object with a string "text"); nothing is written before all input is encoded.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

namespace lmf::data {

struct TokenizeCorpusOptions {
  std::string tokenizer;  // spec for tok::Tokenizer::load
  std::vector<std::string> inputs;
  std::string out_dir;
  double val_fraction = 0.05;
  bool allow_special = false;  // special tokens in the text: their ids (else ordinary text)
  int threads = 0;        // <= 0: lmf::threads::get()
  bool progress = true;   // progress on stderr for inputs over 32 MB
};

struct TokenizeCorpusReport {
  int64_t documents = 0, train_documents = 0, val_documents = 0;
  int64_t train_tokens = 0, val_tokens = 0;
  int64_t bytes = 0;  // input text bytes
  double seconds = 0;
};

TokenizeCorpusReport tokenize_corpus(const TokenizeCorpusOptions& options);

}  // namespace lmf::data
