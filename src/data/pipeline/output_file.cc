#include "data/pipeline/output_file.h"

#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "core/error.h"

namespace lmf::data::pipeline {

OutputFile::OutputFile(std::string path) : path_(std::move(path)), tmp_(path_ + ".tmp." + std::to_string(::getpid())) {
  f_ = std::fopen(tmp_.c_str(), "wb");
  if (!f_) throw Error("cannot create " + tmp_ + ": " + std::strerror(errno));
  constexpr size_t kBuffer = size_t(4) << 20;  // few, large writes
  buffer_ = std::make_unique<char[]>(kBuffer);
  std::setvbuf(f_, buffer_.get(), _IOFBF, kBuffer);
}

OutputFile::~OutputFile() {
  if (f_) {
    std::fclose(f_);
    std::remove(tmp_.c_str());
  }
}

void OutputFile::write(std::string_view bytes) {
  if (std::fwrite(bytes.data(), 1, bytes.size(), f_) != bytes.size())
    throw Error("write failed for " + path_ + ": " + std::strerror(errno));
}

void OutputFile::write_line(std::string_view line) {
  write(line);
  write("\n");
  ++lines_;
}

void OutputFile::commit(bool durable) {
  if (std::fflush(f_) != 0) throw Error("write failed for " + path_ + ": " + std::strerror(errno));
  if (durable) ::fsync(::fileno(f_));
  std::fclose(f_);
  f_ = nullptr;
  if (std::rename(tmp_.c_str(), path_.c_str()) != 0) {
    std::remove(tmp_.c_str());
    throw Error("cannot rename " + tmp_ + " to " + path_ + ": " + std::strerror(errno));
  }
}

}  // namespace lmf::data::pipeline
