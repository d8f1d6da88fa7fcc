// Subcommand registry for the `lmforge` binary. Each file in src/cli/ defines one
// subcommand and registers it with a static Command object:
//
//   static lmf::cli::Command reg("tokenize", "encode text to token ids", run_tokenize);
//
// The function receives the arguments after the subcommand name (argv[0] is
// "lmforge <name>") and returns the process exit code. lmf::Error escaping it is printed
// as "lmforge <name>: error: <what>" with exit code 1.
#pragma once
#include <functional>
#include <string>
#include <vector>

namespace lmf::cli {

using CommandFn = std::function<int(int argc, char** argv)>;

struct CommandInfo {
  std::string name, help;
  CommandFn fn;
};

std::vector<CommandInfo>& registry();

struct Command {
  Command(std::string name, std::string help, CommandFn fn) {
    registry().push_back({std::move(name), std::move(help), std::move(fn)});
  }
};

}  // namespace lmf::cli
