#include "io/output_dir.h"

#include <filesystem>
#include <system_error>

#include "core/error.h"

namespace fs = std::filesystem;

namespace lmf::io {

OutputDir::OutputDir(const std::string& dir) : dir_(dir) {
  if (dir.empty()) throw Error("the output folder name is empty");
  std::error_code ec;
  if (fs::exists(dir, ec) && !fs::is_directory(dir, ec)) throw Error(dir + ": exists and is not a folder");
  fs::path p = fs::absolute(dir).lexically_normal();
  if (p.filename().empty()) p = p.parent_path();  // a trailing '/'
  while (!p.empty() && !fs::exists(p, ec)) {
    created_.push_back(p.string());
    if (p == p.parent_path()) break;
    p = p.parent_path();
  }
  fs::create_directories(dir, ec);
  if (ec) throw Error(dir + ": cannot create the folder: " + ec.message());
}

OutputDir::~OutputDir() {
  std::error_code ec;
  for (const std::string& p : created_)  // deepest first; stops at the first that is not empty
    if (!fs::is_empty(p, ec) || ec || !fs::remove(p, ec)) break;
}

}  // namespace lmf::io
