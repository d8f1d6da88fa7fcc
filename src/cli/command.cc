#include "cli/command.h"

#include <cstdio>

namespace lmf::cli {

std::vector<CommandInfo>& registry() {
  static std::vector<CommandInfo> r;
  return r;
}

std::optional<int> parse(CLI::App& app, int argc, char** argv) {
  try {
    app.parse(argc, argv);
    return std::nullopt;
  } catch (const CLI::CallForHelp&) {
    std::fputs(app.help().c_str(), stdout);
    return 0;
  } catch (const CLI::CallForAllHelp&) {
    std::fputs(app.help("", CLI::AppFormatMode::All).c_str(), stdout);
    return 0;
  } catch (const CLI::ParseError& e) {
    // CLI11 leaves a hidden option's name empty (": message"); their checks name the flag.
    std::string what = e.what();
    if (what.rfind(": ", 0) == 0) what.erase(0, 2);
    std::fprintf(stderr, "%s: error: %s\nRun '%s --help' for its options.\n", app.get_name().c_str(), what.c_str(),
                 app.get_name().c_str());
    return kExitUsage;
  }
}

}  // namespace lmf::cli
