#include "cli/train_arch.h"

#include <cstring>

namespace lmf::cli {

std::vector<CommandInfo>& train_arch_registry() {
  static std::vector<CommandInfo> r;
  return r;
}

std::string arch_argument(int argc, char** argv) {
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--arch") && i + 1 < argc) return argv[i + 1];
    if (!std::strncmp(argv[i], "--arch=", 7)) return argv[i] + 7;
  }
  return "";
}

}  // namespace lmf::cli
