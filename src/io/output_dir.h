// OutputDir: the --out folder of a command. It is created (with its parents) when the
// object is made; if the command then fails before writing anything into it, the
// destructor removes what it created, so a failed run leaves no empty folder behind.
// A folder that existed before, or that holds anything, is never removed.
#pragma once
#include <string>
#include <vector>

namespace lmf::io {

class OutputDir {
 public:
  explicit OutputDir(const std::string& dir);
  ~OutputDir();
  OutputDir(const OutputDir&) = delete;
  OutputDir& operator=(const OutputDir&) = delete;
  const std::string& path() const { return dir_; }

 private:
  std::string dir_;
  std::vector<std::string> created_;  // the folders this object made, deepest first
};

}  // namespace lmf::io
