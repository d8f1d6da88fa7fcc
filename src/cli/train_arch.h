// `lmforge train --arch NAME`: the model families other than the decoder Transformer (GPT-2 /
// Llama, `--arch transformer`, the default) train through the same command. Each family's
// file in src/cli/ registers its trainer with a static TrainArch object:
//
//   static lmf::cli::TrainArch reg("ngram", "interpolated modified Kneser-Ney n-gram LM", run_train_ngram);
//
// `lmforge train` finds `--arch NAME` (or `--arch=NAME`) in its arguments and hands the whole
// command line to NAME's function, which parses it (declaring `--arch` itself) as a
// subcommand function does (cli/command.h).
#pragma once
#include <string>
#include <vector>

#include "cli/command.h"

namespace lmf::cli {

std::vector<CommandInfo>& train_arch_registry();

struct TrainArch {
  TrainArch(std::string name, std::string help, CommandFn fn) {
    train_arch_registry().push_back({std::move(name), std::move(help), std::move(fn)});
  }
};

// The value of --arch in argv ("" when absent).
std::string arch_argument(int argc, char** argv);

}  // namespace lmf::cli
