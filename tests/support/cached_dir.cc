#include "support/cached_dir.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <filesystem>

namespace lmf::test {

namespace fs = std::filesystem;

namespace {

// An exclusive flock on `path` for the scope (none when the file cannot be opened).
struct FileLock {
  int fd;
  explicit FileLock(const std::string& path) : fd(::open(path.c_str(), O_RDWR | O_CREAT, 0644)) {
    if (fd >= 0) ::flock(fd, LOCK_EX);
  }
  ~FileLock() {
    if (fd >= 0) ::close(fd);  // closing releases the lock
  }
  FileLock(const FileLock&) = delete;
  FileLock& operator=(const FileLock&) = delete;
};

}  // namespace

std::string cached_dir(const std::string& name, const std::string& marker,
                       const std::function<void(const std::string& tmp)>& build) {
  const std::string dir = (fs::temp_directory_path() / name).string();
  if (fs::exists(dir + "/" + marker)) return dir;
  FileLock lock(dir + ".lock");  // one builder at a time; the others wait, then find its folder
  if (fs::exists(dir + "/" + marker)) return dir;
  const std::string tmp = dir + ".tmp" + std::to_string(::getpid());
  fs::create_directories(tmp);
  build(tmp);
  std::error_code ec;
  fs::rename(tmp, dir, ec);
  if (ec) fs::remove_all(tmp);  // another process got there first (one that took no lock)
  return dir;
}

}  // namespace lmf::test
