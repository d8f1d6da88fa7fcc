#include "support/serve_process.h"

#include <httplib.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <thread>

#include "support/oracle.h"

namespace lmf::test {

ServeProcess::ServeProcess(const std::vector<std::string>& args) {
  static int n = 0;
  log_path_ = temp_dir() + "/serve-" + std::to_string(getpid()) + "-" + std::to_string(n++) + ".log";
  std::vector<std::string> argv = {LMFORGE_BINARY, "serve", "--port", "0"};
  argv.insert(argv.end(), args.begin(), args.end());
  pid_ = fork();
  if (pid_ < 0) throw std::runtime_error("fork failed");
  if (pid_ == 0) {
    FILE* f = std::fopen(log_path_.c_str(), "w");
    if (f) dup2(fileno(f), 2);
    std::vector<char*> c;
    for (auto& a : argv) c.push_back(a.data());
    c.push_back(nullptr);
    execv(c[0], c.data());
    _exit(127);
  }
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(120);
  while (std::chrono::steady_clock::now() < until) {
    int status = 0;
    if (waitpid(pid_, &status, WNOHANG) == pid_) {
      pid_ = -1;
      throw std::runtime_error("lmforge serve exited early:\n" + log());
    }
    const std::string l = log();
    const size_t at = l.find("listening on http://127.0.0.1:");
    if (port_ == 0 && at != std::string::npos) port_ = std::stoi(l.substr(at + 30));
    if (port_ > 0) {
      httplib::Client cli("127.0.0.1", port_);
      auto res = cli.Get("/health");
      if (res && res->status == 200) return;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(50));
  }
  stop(9);
  throw std::runtime_error("lmforge serve did not become healthy within 120 s:\n" + log());
}

ServeProcess::~ServeProcess() {
  if (pid_ > 0) stop(SIGTERM);
}

int ServeProcess::stop(int sig) {
  if (pid_ <= 0) return -1;
  kill(pid_, sig);
  // The server drains for up to 30 s; one that is still there after 90 s is killed, so a
  // test never waits for ever.
  int status = 0;
  const auto until = std::chrono::steady_clock::now() + std::chrono::seconds(90);
  while (waitpid(pid_, &status, WNOHANG) != pid_) {
    if (std::chrono::steady_clock::now() > until) {
      kill(pid_, SIGKILL);
      waitpid(pid_, &status, 0);
      break;
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
  pid_ = -1;
  return WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
}

std::string ServeProcess::log() const {
  std::ifstream in(log_path_);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

}  // namespace lmf::test
