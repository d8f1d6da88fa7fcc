// lmforge: one binary, one subcommand per stage of a language model's life.
// Commands have one word ("train") or two ("tokenizer train", "data tokenize"); the first
// word alone ("lmforge data --help") lists the commands that start with it.
#include <algorithm>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "cli/command.h"
#include "core/error.h"
#include "core/version.h"
#include "dist/comm.h"

namespace {

bool is_help(const char* a) { return !std::strcmp(a, "--help") || !std::strcmp(a, "-h") || !std::strcmp(a, "help"); }

// Lists the commands whose name starts with `group` (every command when it is empty).
void usage(FILE* out, const std::string& group) {
  auto cmds = lmf::cli::registry();
  std::sort(cmds.begin(), cmds.end(), [](auto& a, auto& b) { return a.name < b.name; });
  if (group.empty())
    std::fprintf(out, "lmforge %s: build, adapt and run language models.\n\nusage: lmforge <command> [options]\n\ncommands:\n",
                 lmf::kVersion);
  else
    std::fprintf(out, "usage: lmforge %s <command> [options]\n\ncommands:\n", group.c_str());
  for (auto& c : cmds)
    if (group.empty() || c.name.starts_with(group + " ")) std::fprintf(out, "  %-24s %s\n", c.name.c_str(), c.help.c_str());
  std::fprintf(out, "\nRun 'lmforge <command> --help' for a command's options.\n");
}

bool is_group(const std::string& word) {
  for (auto& c : lmf::cli::registry())
    if (c.name.starts_with(word + " ")) return true;
  return false;
}

}  // namespace

int main(int argc, char** argv) {
  if (argc < 2) {
    usage(stderr, "");
    return lmf::cli::kExitUsage;
  }
  if (is_help(argv[1])) {
    usage(stdout, "");
    return 0;
  }
  if (!std::strcmp(argv[1], "--version")) {
    std::printf("lmforge %s\n", lmf::kVersion);
    return 0;
  }
  // The longest registered name that the arguments start with.
  const lmf::cli::CommandInfo* best = nullptr;
  int words = 0;
  for (auto& c : lmf::cli::registry()) {
    std::string name;
    for (int w = 1; w <= 3 && w < argc; ++w) {
      name += (w > 1 ? " " : "") + std::string(argv[w]);
      if (c.name == name && w > words) {
        best = &c;
        words = w;
      }
    }
  }
  // A group word ("data", "data classifier") followed by --help, nothing, or an unknown word.
  std::string group;
  for (int w = 1; w < argc && !(argv[w][0] == '-'); ++w) {
    std::string g = group + (group.empty() ? "" : " ") + argv[w];
    if (!is_group(g)) break;
    group = g;
  }
  const int group_words = group.empty() ? 0 : int(std::count(group.begin(), group.end(), ' ')) + 1;
  if (!best || group_words >= words) {
    if (!group.empty()) {
      const bool help = 1 + group_words < argc && is_help(argv[1 + group_words]);
      if (help || 1 + group_words == argc) {
        usage(help ? stdout : stderr, group);
        return help ? 0 : lmf::cli::kExitUsage;
      }
      std::fprintf(stderr, "lmforge %s: error: unknown command '%s'\n\n", group.c_str(), argv[1 + group_words]);
      usage(stderr, group);
      return lmf::cli::kExitUsage;
    }
    if (!best) {
      std::fprintf(stderr, "lmforge: error: unknown command '%s'\n\n", argv[1]);
      usage(stderr, "");
      return lmf::cli::kExitUsage;
    }
  }
  std::string prog = "lmforge " + best->name;
  std::vector<char*> args;
  args.push_back(prog.data());
  for (int i = 1 + words; i < argc; ++i) args.push_back(argv[i]);
  // Under mpirun, dist::finish ends MPI with the exit code (a failed rank ends the whole job).
  try {
    return lmf::dist::finish(best->fn(int(args.size()), args.data()));
  } catch (const std::exception& e) {
    std::fprintf(stderr, "%s: error: %s\n", prog.c_str(), e.what());
    std::fflush(stderr);
    return lmf::dist::finish(lmf::cli::kExitFailure);
  }
}
