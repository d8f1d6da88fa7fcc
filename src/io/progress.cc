#include "io/progress.h"

#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cmath>

namespace lmf::io {

std::string format_duration(double seconds) {
  if (!std::isfinite(seconds) || seconds < 0) return "?";
  const int64_t s = int64_t(std::llround(seconds));
  char buf[32];
  if (s < 60)
    std::snprintf(buf, sizeof buf, "%llds", (long long)s);
  else if (s < 3600)
    std::snprintf(buf, sizeof buf, "%lldm%02llds", (long long)(s / 60), (long long)(s % 60));
  else
    std::snprintf(buf, sizeof buf, "%lldh%02lldm", (long long)(s / 3600), (long long)(s / 60 % 60));
  return buf;
}

std::string format_count(double n) {
  char buf[32];
  if (n < 1e3)
    std::snprintf(buf, sizeof buf, "%.0f", n);
  else if (n < 1e6)
    std::snprintf(buf, sizeof buf, "%.1fk", n / 1e3);
  else if (n < 1e9)
    std::snprintf(buf, sizeof buf, "%.2fM", n / 1e6);
  else
    std::snprintf(buf, sizeof buf, "%.2fG", n / 1e9);
  return buf;
}

Progress::Progress(int64_t total_steps, int64_t tokens_per_step, int64_t start_step, int64_t every, FILE* out)
    : Progress(total_steps, tokens_per_step, start_step, every, out, ::isatty(::fileno(out)) == 1, [] {
        return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
      }) {}

Progress::Progress(int64_t total_steps, int64_t tokens_per_step, int64_t start_step, int64_t every, FILE* out,
                   bool terminal, Clock clock)
    : total_(total_steps),
      tokens_per_step_(tokens_per_step),
      every_(every < 1 ? 1 : every),
      out_(out),
      terminal_(terminal),
      clock_(std::move(clock)),
      last_step_(start_step) {}

double Progress::tokens_per_s() const {
  const double dt = last_time_ - first_time_;
  if (first_step_ < 0 || last_step_ <= first_step_ || dt <= 0) return 0;
  return double(last_step_ - first_step_) * double(tokens_per_step_) / dt;
}

double Progress::eta_s() const {
  const double dt = last_time_ - first_time_;
  if (first_step_ < 0 || last_step_ <= first_step_) return NAN;
  return double(total_ - last_step_) * dt / double(last_step_ - first_step_);
}

std::string Progress::line(bool bar) const {
  char buf[256];
  std::string s;
  if (units_.sizes) {
    s = units_.counter + " " + format_count(double(last_step_)) + "/" + format_count(double(total_));
  } else {
    std::snprintf(buf, sizeof buf, "%s %lld/%lld", units_.counter.c_str(), (long long)last_step_, (long long)total_);
    s += buf;
  }
  if (bar) {
    const int width = 20;
    const double frac = total_ > 0 ? std::min(1.0, double(last_step_) / double(total_)) : 1.0;
    const int filled = int(frac * width);
    s += " [" + std::string(size_t(filled), '#') + std::string(size_t(width - filled), '.') + "]";
    std::snprintf(buf, sizeof buf, " %3d%%", int(frac * 100));
    s += buf;
  }
  s += status_;
  if (tokens_per_s() > 0)
    s += " | " + format_count(tokens_per_s()) + " " + units_.rate + " | ETA " + format_duration(eta_s());
  return s;
}

void Progress::step(int64_t step, double loss, double lr) {
  char buf[96];
  std::snprintf(buf, sizeof buf, " | loss %.4f | lr %.2e", loss, lr);
  update(step, buf);
}

void Progress::update(int64_t step, const std::string& status) {
  const double now = clock_();
  if (first_step_ < 0) {
    first_step_ = step;
    first_time_ = now;
  }
  last_step_ = step;
  last_time_ = now;
  status_ = status;
  if (terminal_) {
    std::fprintf(out_, "\r\x1b[K%s", line(true).c_str());
    drawn_ = true;
  } else if (step == first_step_ || step == total_ || step % every_ == 0) {
    std::fprintf(out_, "%s\n", line(false).c_str());
  }
  std::fflush(out_);
}

void Progress::message(const std::string& text) {
  if (drawn_) {
    std::fprintf(out_, "\r\x1b[K%s\n%s", text.c_str(), line(true).c_str());
  } else {
    std::fprintf(out_, "%s\n", text.c_str());
  }
  std::fflush(out_);
}

void Progress::finish() {
  if (drawn_) std::fprintf(out_, "\n");
  drawn_ = false;
  std::fflush(out_);
}

}  // namespace lmf::io
