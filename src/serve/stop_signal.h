// StopSignal: SIGINT and SIGTERM as an event a thread can wait for. A handler installed for
// both writes the signal's number to a pipe (the only thing it does: async-signal-safe), and
// wait() reads it. Unlike blocking the signals and calling sigwait(), this works whichever
// thread the kernel delivers a signal to — including threads that libraries (OpenBLAS, which
// FAISS brings) start before main() with the signals unblocked. The destructor restores the
// previous handlers. One StopSignal at a time.
#pragma once

namespace lmf::serve {

class StopSignal {
 public:
  StopSignal();
  ~StopSignal();
  StopSignal(const StopSignal&) = delete;
  StopSignal& operator=(const StopSignal&) = delete;

  // Blocks until SIGINT or SIGTERM arrives (or raise() is called); returns the signal.
  int wait();
  // Wakes wait() as if `sig` had arrived.
  void raise(int sig);
};

}  // namespace lmf::serve
