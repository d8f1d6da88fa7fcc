// TempDir: a fresh private folder under the system's temporary folder (mkdtemp, named
// "<prefix>-XXXXXX"), removed with its contents when the object goes out of scope — an
// exception included. For work files a library function needs only while it runs.
#pragma once
#include <filesystem>
#include <string>

namespace lmf::io {

class TempDir {
 public:
  explicit TempDir(const std::string& prefix = "lmforge");
  ~TempDir();
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

}  // namespace lmf::io
