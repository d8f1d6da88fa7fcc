// lmforge: one binary, one subcommand per stage of a language model's life.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/error.h"

namespace lmf::cli {
std::vector<CommandInfo>& registry() {
  static std::vector<CommandInfo> r;
  return r;
}
}  // namespace lmf::cli

static void usage(FILE* out) {
  auto cmds = lmf::cli::registry();
  std::sort(cmds.begin(), cmds.end(), [](auto& a, auto& b) { return a.name < b.name; });
  std::fprintf(out, "lmforge: build, adapt and run language models.\n\nusage: lmforge <command> [options]\n\ncommands:\n");
  for (auto& c : cmds) std::fprintf(out, "  %-20s %s\n", c.name.c_str(), c.help.c_str());
  std::fprintf(out, "\nRun 'lmforge <command> --help' for a command's options.\n");
}

int main(int argc, char** argv) {
  if (argc < 2 || !std::strcmp(argv[1], "--help") || !std::strcmp(argv[1], "-h") || !std::strcmp(argv[1], "help")) {
    usage(stdout);
    return argc < 2 ? 1 : 0;
  }
  // Commands may have two words ("tokenizer train", "data tokenize"): prefer the longest match.
  const lmf::cli::CommandInfo* best = nullptr;
  int words = 0;
  for (auto& c : lmf::cli::registry()) {
    std::string two = argc >= 3 ? std::string(argv[1]) + " " + argv[2] : "";
    if (!two.empty() && c.name == two) { best = &c; words = 2; break; }
    if (c.name == argv[1] && words < 1) { best = &c; words = 1; }
  }
  if (!best) {
    std::fprintf(stderr, "lmforge: unknown command '%s'\n\n", argv[1]);
    usage(stderr);
    return 2;
  }
  std::string prog = "lmforge " + best->name;
  std::vector<char*> args;
  args.push_back(prog.data());
  for (int i = 1 + words; i < argc; ++i) args.push_back(argv[i]);
  try {
    return best->fn(int(args.size()), args.data());
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", prog.c_str(), e.what());
    return 1;
  }
}
