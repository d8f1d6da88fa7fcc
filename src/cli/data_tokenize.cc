// lmforge data tokenize: text files to llm.c token shards (DIR/train.bin, DIR/val.bin),
// plus DIR/tokenizer.json and DIR/meta.json. What counts as a document, the split and the
// end-of-text separators are described in data/tokenize_corpus.h.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.h"
#include "cli/flags.h"
#include "data/tokenize_corpus.h"

namespace lmf::cli {
namespace {

int run_data_tokenize(int argc, char** argv) {
  CLI::App app{"Tokenize text files into token shards (llm.c format) for training", "lmforge data tokenize"};
  data::TokenizeCorpusOptions o;
  app.add_option("--tokenizer", o.tokenizer, "tiktoken:NAME, a tokenizer.json, or a directory holding one")->required();
  app.add_option("--input", o.inputs, "text files (one document each) or .jsonl files (one {\"text\": ...} per line)")
      ->required()
      ->expected(1, -1);
  app.add_option("--out", o.out_dir, "output directory for train.bin, val.bin, tokenizer.json, meta.json")->required();
  app.add_option("--val-fraction", o.val_fraction, "fraction of the documents (the last ones) for val.bin")
      ->capture_default_str()
      ->check(CLI::Range(0.0, 0.999));
  app.add_flag("--allow-special", o.allow_special,
               "encode the tokenizer's special tokens that occur in the text as their ids (else as plain text)");
  int threads = 0;
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  auto r = data::tokenize_corpus(o);
  std::fprintf(stderr,
               "tokenized %lld documents (%.1f MB) in %.1f s: %s/train.bin %lld tokens (%lld documents), "
               "%s/val.bin %lld tokens (%lld documents)\n",
               (long long)r.documents, r.bytes / 1e6, r.seconds, o.out_dir.c_str(), (long long)r.train_tokens,
               (long long)r.train_documents, o.out_dir.c_str(), (long long)r.val_tokens, (long long)r.val_documents);
  return 0;
}

Command reg("data tokenize", "text files to train/val token shards (llm.c format)", run_data_tokenize);

}  // namespace
}  // namespace lmf::cli
