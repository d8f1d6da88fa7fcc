// An output file written as a stream and committed atomically: bytes go to
// "PATH.tmp.PID"; commit() flushes, fsyncs (unless `durable` is false: a temporary file
// of the run itself) and renames it over PATH. A file that is
// destroyed without commit() (an error, an exception) removes its temporary, so a failed
// run never leaves a torn or partial output behind.
#pragma once
#include <cstdio>
#include <memory>
#include <string>
#include <string_view>

namespace lmf::data::pipeline {

class OutputFile {
 public:
  explicit OutputFile(std::string path);
  ~OutputFile();
  OutputFile(const OutputFile&) = delete;
  OutputFile& operator=(const OutputFile&) = delete;

  void write(std::string_view bytes);
  void write_line(std::string_view line);  // line + '\n'
  void commit(bool durable = true);
  int64_t lines() const { return lines_; }
  const std::string& path() const { return path_; }

 private:
  std::string path_, tmp_;
  FILE* f_ = nullptr;
  std::unique_ptr<char[]> buffer_;  // the stream's buffer (given, since glibc ignores a size without one)
  int64_t lines_ = 0;
};

}  // namespace lmf::data::pipeline
