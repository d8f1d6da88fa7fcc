#include "io/jsonl.h"

#include <fstream>

#include "core/error.h"

namespace lmf::io {

void for_each_jsonl_line(const std::string& path,
                         const std::function<void(const std::string& line, int64_t n, const std::string& where)>& fn) {
  std::ifstream in(path);
  if (!in) throw FormatError(path + ": cannot open");
  bool any = false;
  std::string line;
  for (int64_t n = 1; std::getline(in, line); ++n) {
    if (line.find_first_not_of(" \t\r") == std::string::npos) continue;
    any = true;
    fn(line, n, path + ":" + std::to_string(n));
  }
  if (in.bad()) throw FormatError(path + ": read error");
  if (!any) throw FormatError(path + ": no examples");
}

}  // namespace lmf::io
