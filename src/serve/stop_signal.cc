#include "serve/stop_signal.h"

#include <errno.h>
#include <signal.h>
#include <unistd.h>

#include "core/error.h"

namespace lmf::serve {
namespace {

int g_pipe[2] = {-1, -1};
struct sigaction g_old_int, g_old_term;

extern "C" void on_stop_signal(int sig) {
  const int saved = errno;
  const unsigned char b = static_cast<unsigned char>(sig);
  [[maybe_unused]] const ssize_t n = write(g_pipe[1], &b, 1);
  errno = saved;
}

}  // namespace

StopSignal::StopSignal() {
  if (pipe(g_pipe) != 0) throw Error("serve: cannot create the signal pipe");
  struct sigaction sa = {};
  sa.sa_handler = on_stop_signal;
  sigemptyset(&sa.sa_mask);
  sa.sa_flags = SA_RESTART;
  sigaction(SIGINT, &sa, &g_old_int);
  sigaction(SIGTERM, &sa, &g_old_term);
}

StopSignal::~StopSignal() {
  sigaction(SIGINT, &g_old_int, nullptr);
  sigaction(SIGTERM, &g_old_term, nullptr);
  close(g_pipe[0]);
  close(g_pipe[1]);
  g_pipe[0] = g_pipe[1] = -1;
}

int StopSignal::wait() {
  unsigned char b = 0;
  while (read(g_pipe[0], &b, 1) != 1) {
    if (errno != EINTR) return SIGTERM;
  }
  return b;
}

void StopSignal::raise(int sig) { on_stop_signal(sig); }

}  // namespace lmf::serve
