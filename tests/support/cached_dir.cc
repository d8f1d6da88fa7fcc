#include "support/cached_dir.h"

#include <unistd.h>

#include <filesystem>

namespace lmf::test {

namespace fs = std::filesystem;

std::string cached_dir(const std::string& name, const std::string& marker,
                       const std::function<void(const std::string& tmp)>& build) {
  const std::string dir = (fs::temp_directory_path() / name).string();
  if (fs::exists(dir + "/" + marker)) return dir;
  const std::string tmp = dir + ".tmp" + std::to_string(::getpid());
  fs::create_directories(tmp);
  build(tmp);
  std::error_code ec;
  fs::rename(tmp, dir, ec);
  if (ec) fs::remove_all(tmp);  // another process got there first
  return dir;
}

}  // namespace lmf::test
