// lmforge word2vec neighbors / analogy: nearest words by cosine and analogies b - a + c over
// word vectors in word2vec's text or binary format (models/word2vec/neighbors.h).
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/flags.h"
#include "models/word2vec/neighbors.h"

namespace lmf::cli {
namespace {

void print_neighbors(const std::vector<word2vec::Neighbor>& ns, bool as_json) {
  if (as_json) {
    nlohmann::ordered_json a = nlohmann::ordered_json::array();
    for (const word2vec::Neighbor& n : ns) a.push_back({{"word", n.word}, {"similarity", n.similarity}});
    std::printf("%s\n", a.dump().c_str());
    return;
  }
  for (const word2vec::Neighbor& n : ns) std::printf("%s\t%.6f\n", n.word.c_str(), n.similarity);
}

int run_neighbors(int argc, char** argv) {
  CLI::App app{"The words nearest to a word by cosine similarity", "lmforge word2vec neighbors"};
  std::string vectors, word;
  int k = 10;
  bool as_json = false;
  app.add_option("--vectors", vectors, "word vectors (word2vec text or binary format)")->required();
  app.add_option("--word", word, "the query word")->required();
  app.add_option("-k", k, "words to print")->check(int_range(1, 1000000))->capture_default_str();
  app.add_flag("--json", as_json, "one JSON array of {\"word\", \"similarity\"}");
  LMF_PARSE(app, argc, argv);
  const word2vec::NeighborIndex index(word2vec::read_vectors(vectors));
  print_neighbors(index.nearest(word, k), as_json);
  return 0;
}

int run_analogy(int argc, char** argv) {
  CLI::App app{"Analogy a : b :: c : ?, the words nearest to b - a + c (e.g. man king woman -> queen)",
               "lmforge word2vec analogy"};
  std::string vectors;
  std::vector<std::string> words;
  int k = 10;
  bool as_json = false;
  app.add_option("--vectors", vectors, "word vectors (word2vec text or binary format)")->required();
  app.add_option("words", words, "a b c")->required()->expected(3);
  app.add_option("-k", k, "words to print")->check(int_range(1, 1000000))->capture_default_str();
  app.add_flag("--json", as_json, "one JSON array of {\"word\", \"similarity\"}");
  LMF_PARSE(app, argc, argv);
  const word2vec::NeighborIndex index(word2vec::read_vectors(vectors));
  print_neighbors(index.analogy(words[0], words[1], words[2], k), as_json);
  return 0;
}

Command reg_neighbors("word2vec neighbors", "the nearest words to a word in word vectors", run_neighbors);
Command reg_analogy("word2vec analogy", "analogies b - a + c in word vectors", run_analogy);

}  // namespace
}  // namespace lmf::cli
