// Test support: `lmforge serve` as a child process on 127.0.0.1. The constructor starts it
// with --port 0 and the given arguments, reads its stderr until the "listening on" line
// (the port), then waits for GET /health to answer 200; the destructor sends SIGTERM and
// waits. Its stderr is kept (log()) for failure messages.
#pragma once
#include <sys/types.h>

#include <string>
#include <vector>

namespace lmf::test {

class ServeProcess {
 public:
  explicit ServeProcess(const std::vector<std::string>& args);
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  pid_t pid() const { return pid_; }
  // Sends `sig` and waits for the process; returns its exit status (128 + signal if killed).
  int stop(int sig = 15);
  bool running() const { return pid_ > 0; }
  std::string log() const;  // what it wrote to stderr so far

 private:
  pid_t pid_ = -1;
  int port_ = 0;
  std::string log_path_;
};

}  // namespace lmf::test
