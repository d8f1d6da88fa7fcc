// Progress of long jobs on stderr (training steps, data pipeline bytes). On a terminal: one line redrawn in place,
//
//   step 120/1000 [###.................]  12% | loss 3.4521 | lr 3.00e-04 | 23.4k tok/s | ETA 3m12s
//
// elsewhere (a log file, CI): the same text without the bar as a plain line every
// `every` steps, and for the first and the last step. Tokens/s and the ETA are measured
// from the end of the first step reported (so start-up and first-step warm-up do not
// count): rate = tokens since then / seconds since then; ETA = remaining steps × mean step time.
// message() prints a line (an eval result, a save) without breaking the bar.
//
// Other long jobs (the data pipeline) use the same bar through ProgressUnits and update(): there
// the counter is bytes, shown as sizes ("read 12.3M/200M"), and the rate in bytes per second.
#pragma once
#include <cstdint>
#include <cstdio>
#include <functional>
#include <string>

namespace lmf::io {

// "45s", "3m12s", "2h05m".
std::string format_duration(double seconds);
// "950", "23.4k", "1.25M".
std::string format_count(double n);

// What the counter counts: its label, the unit of the rate, and whether counts are sizes.
struct ProgressUnits {
  std::string counter = "step";  // "step 120/1000"
  std::string rate = "tok/s";    // "23.4k tok/s"
  bool sizes = false;            // "read 12.3M/200M": counts shown with format_count
};

class Progress {
 public:
  using Clock = std::function<double()>;  // seconds, monotonic

  // Steps start_step+1 ... total_steps will be reported; each covers tokens_per_step tokens.
  Progress(int64_t total_steps, int64_t tokens_per_step, int64_t start_step = 0, int64_t every = 10,
           FILE* out = stderr);
  // The same with the terminal decision and the clock supplied (tests).
  Progress(int64_t total_steps, int64_t tokens_per_step, int64_t start_step, int64_t every, FILE* out,
           bool terminal, Clock clock);
  // Counts other than training steps (pass tokens_per_step 1: the rate is units/s).
  void set_units(ProgressUnits units) { units_ = std::move(units); }

  // Step `step` (1-based) has finished with this loss and learning rate.
  void step(int64_t step, double loss, double lr);
  // `done` units of the total are finished; `status` (e.g. " | 120 kept") follows the bar.
  void update(int64_t done, const std::string& status);
  bool terminal() const { return terminal_; }
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
  std::string status_;
  ProgressUnits units_;
  bool drawn_ = false;  // a bar is on screen
};

}  // namespace lmf::io
