#include "core/profiler.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <vector>

namespace lmf::profiler {
namespace {

using Clock = std::chrono::steady_clock;

struct Row {
  long calls = 0;
  double fwd = 0, bwd = 0;  // seconds
};

struct State {
  bool on = false;
  std::mutex mu;
  std::map<std::string, Row> rows;
  State() {
    const char* e = std::getenv("LMFORGE_PROFILE");
    on = e && *e && std::strcmp(e, "0") != 0;
  }
  ~State() {
    if (!on) return;
    std::string r = report();
    if (!r.empty()) std::fputs(r.c_str(), stderr);
  }
};

State& state() {
  static State s;
  return s;
}

thread_local Clock::time_point t_last = Clock::now();

}  // namespace

bool enabled() { return state().on; }
void set_enabled(bool on) { state().on = on; }
void mark() { t_last = Clock::now(); }

void forward_done(const char* op) {
  const auto now = Clock::now();
  const double s = std::chrono::duration<double>(now - t_last).count();
  t_last = now;
  State& st = state();
  std::lock_guard lock(st.mu);
  Row& r = st.rows[op];
  ++r.calls;
  r.fwd += s;
}

void backward_time(const char* op, double seconds) {
  State& st = state();
  std::lock_guard lock(st.mu);
  st.rows[op].bwd += seconds;
  t_last = Clock::now();
}

void add(const char* what, double seconds) {
  State& st = state();
  {
    std::lock_guard lock(st.mu);
    Row& r = st.rows[what];
    ++r.calls;
    r.fwd += seconds;
  }
  t_last = Clock::now();
}

Scope::Scope(const char* what) : what_(what) {
  if (enabled()) start_ns_ = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
}

Scope::~Scope() {
  if (start_ns_ < 0) return;
  const long long now = std::chrono::duration_cast<std::chrono::nanoseconds>(Clock::now().time_since_epoch()).count();
  add(what_, double(now - start_ns_) * 1e-9);
}

std::string report() {
  State& st = state();
  std::lock_guard lock(st.mu);
  if (st.rows.empty()) return "";
  std::vector<std::pair<std::string, Row>> v(st.rows.begin(), st.rows.end());
  std::sort(v.begin(), v.end(), [](auto& a, auto& b) { return a.second.fwd + a.second.bwd > b.second.fwd + b.second.bwd; });
  double total = 0, tf = 0, tb = 0;
  for (auto& [_, r] : v) {
    tf += r.fwd;
    tb += r.bwd;
  }
  total = tf + tb;
  std::string out = "op profile (forward: time since the previous op; backward: the closure)\n";
  char line[256];
  std::snprintf(line, sizeof line, "%-24s %8s %12s %12s %7s\n", "op", "calls", "forward ms", "backward ms", "share");
  out += line;
  for (auto& [name, r] : v) {
    std::snprintf(line, sizeof line, "%-24s %8ld %12.1f %12.1f %6.1f%%\n", name.c_str(), r.calls, r.fwd * 1e3,
                  r.bwd * 1e3, total > 0 ? 100 * (r.fwd + r.bwd) / total : 0.0);
    out += line;
  }
  std::snprintf(line, sizeof line, "%-24s %8s %12.1f %12.1f\n", "total", "", tf * 1e3, tb * 1e3);
  out += line;
  return out;
}

void reset() {
  State& st = state();
  std::lock_guard lock(st.mu);
  st.rows.clear();
}

}  // namespace lmf::profiler
