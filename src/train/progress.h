// Training progress on stderr. On a terminal: one line redrawn in place,
//
//   step 120/1000 [###.................]  12% | loss 3.4521 | lr 3.00e-04 | 23.4k tok/s | ETA 3m12s
//
// elsewhere (a log file, CI): the same text without the bar as a plain line every
// `every` steps, and for the first and the last step. Tokens/s and the ETA are measured
// from the end of the first step reported (so start-up and first-step warm-up do not
// count): rate = tokens since then / seconds since then; ETA = remaining steps × mean step time.
// message() prints a line (an eval result, a save) without breaking the bar.
#pragma once
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace lmf::train {

// "45s", "3m12s", "2h05m".
std::string format_duration(double seconds);
// "950", "23.4k", "1.25M".
std::string format_count(double n);

class Progress {
 public:
  using Clock = std::function<double()>;  // seconds, monotonic

  // Steps start_step+1 ... total_steps will be reported; each covers tokens_per_step tokens.
  Progress(int64_t total_steps, int64_t tokens_per_step, int64_t start_step = 0, int64_t every = 10,
           FILE* out = stderr);
  // The same with the terminal decision and the clock supplied (tests).
  Progress(int64_t total_steps, int64_t tokens_per_step, int64_t start_step, int64_t every, FILE* out,
           bool terminal, Clock clock);

  // Step `step` (1-based) has finished with this loss and learning rate.
  void step(int64_t step, double loss, double lr);
  // A line of text above the bar (or between the plain lines).
  void message(const std::string& text);
  // Ends the bar's line (call once at the end).
  void finish();

  double tokens_per_s() const;  // 0 until two steps are reported
  double eta_s() const;

 private:
  std::string line(bool bar) const;

  int64_t total_, tokens_per_step_, every_;
  FILE* out_;
  bool terminal_;
  Clock clock_;
  int64_t first_step_ = -1, last_step_;  // first reported step, most recent one
  double first_time_ = 0, last_time_ = 0;
  double loss_ = 0, lr_ = 0;
  bool drawn_ = false;  // a bar is on screen
};

}  // namespace lmf::train
