// Subcommand registry for the `lmforge` binary. Each file in src/cli/ defines one
// subcommand and registers it with a static Command object:
//
//   static lmf::cli::Command reg("tokenize", "encode text to token ids", run_tokenize);
//
// The function receives the arguments after the subcommand name (argv[0] is
// "lmforge <name>") and returns the process exit code. It parses its flags with
// LMF_PARSE(app, argc, argv). Exit statuses (docs/cli.md): 0 success (and --help), 2 a
// usage error (unknown flag, missing or invalid value; printed as
// "lmforge <name>: error: <what>"), 1 a failure at run time (an lmf::Error escaping the
// function, printed the same way).
#pragma once
#include <CLI/CLI.hpp>
#include <functional>
#include <optional>
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

constexpr int kExitUsage = 2;    // bad command line
constexpr int kExitFailure = 1;  // the command failed while running

// Parses the command line into `app`: nothing (go on) on success; the exit status when the
// command should end now (--help printed: 0; a usage error printed to stderr: 2).
std::optional<int> parse(CLI::App& app, int argc, char** argv);

}  // namespace lmf::cli

#define LMF_PARSE(app, argc, argv) \
  if (std::optional<int> lmf_parse_rc = ::lmf::cli::parse((app), (argc), (argv))) return *lmf_parse_rc
