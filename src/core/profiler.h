// Per-op time profile of autograd work, switched on by LMFORGE_PROFILE=1 (or set_enabled).
//
// Forward: an op's time is the wall time since the previous recorded op (or since the
// profile mark before it: mark() at the start of a step), charged when the op records its
// backward node — exact for back-to-back ops, and it charges any untracked work between
// ops to the next op. Backward: each node's closure is timed exactly. At exit (or on
// report()) the table of ops sorted by total time goes to stderr: calls, forward and
// backward milliseconds, and the share of all tracked time.
#pragma once
#include <string>

namespace lmf::profiler {

bool enabled();                // LMFORGE_PROFILE set and not "0", or set_enabled(true)
void set_enabled(bool on);
void mark();                   // the next op's forward time starts now
void forward_done(const char* op);           // called by autograd::record
void backward_time(const char* op, double seconds);  // called by autograd::backward
void add(const char* what, double seconds);         // time of work outside ops, e.g. "[adamw]"
std::string report();          // the table (empty when nothing was tracked)
void reset();

// Times the enclosing block as `what` when profiling is on (optimizer steps and the like).
class Scope {
 public:
  explicit Scope(const char* what);
  ~Scope();
  Scope(const Scope&) = delete;
  Scope& operator=(const Scope&) = delete;

 private:
  const char* what_;
  long long start_ns_ = -1;
};

}  // namespace lmf::profiler
