#include "serve/metrics.h"

#include <cstdio>

namespace lmf::serve {
namespace {

std::string number(double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, "%.9g", v);
  return buf;
}

}  // namespace

void Histogram::observe(double seconds) {
  std::lock_guard<std::mutex> lk(mu_);
  for (size_t i = 0; i < kBounds.size(); ++i)
    if (seconds <= kBounds[i]) {
      ++buckets_[i];
      break;
    }
  ++count_;
  sum_ += seconds;
}

std::string Histogram::render(const std::string& name, const std::string& help) const {
  std::lock_guard<std::mutex> lk(mu_);
  std::string s = "# HELP " + name + " " + help + "\n# TYPE " + name + " histogram\n";
  uint64_t cum = 0;
  for (size_t i = 0; i < kBounds.size(); ++i) {
    cum += buckets_[i];
    s += name + "_bucket{le=\"" + number(kBounds[i]) + "\"} " + std::to_string(cum) + "\n";
  }
  s += name + "_bucket{le=\"+Inf\"} " + std::to_string(count_) + "\n";
  s += name + "_sum " + number(sum_) + "\n" + name + "_count " + std::to_string(count_) + "\n";
  return s;
}

void Metrics::request(const std::string& route, int status) {
  std::lock_guard<std::mutex> lk(mu_);
  ++requests_[{route, status}];
}

void Metrics::tokens(int64_t prompt, int64_t generated) {
  std::lock_guard<std::mutex> lk(mu_);
  prompt_tokens_ += uint64_t(prompt);
  generated_tokens_ += uint64_t(generated);
}

void Metrics::cached_tokens(int64_t n) {
  std::lock_guard<std::mutex> lk(mu_);
  cached_tokens_ += uint64_t(n);
}

std::string Metrics::render(int64_t queue_length, int64_t active_slots) const {
  std::string s;
  {
    std::lock_guard<std::mutex> lk(mu_);
    s += "# HELP lmforge_requests_total HTTP requests by route and status.\n# TYPE lmforge_requests_total counter\n";
    for (const auto& [key, n] : requests_)
      s += "lmforge_requests_total{route=\"" + key.first + "\",status=\"" + std::to_string(key.second) + "\"} " +
           std::to_string(n) + "\n";
    s += "# HELP lmforge_prompt_tokens_total Prompt tokens processed.\n# TYPE lmforge_prompt_tokens_total counter\n";
    s += "lmforge_prompt_tokens_total " + std::to_string(prompt_tokens_) + "\n";
    s += "# HELP lmforge_generated_tokens_total Tokens generated.\n# TYPE lmforge_generated_tokens_total counter\n";
    s += "lmforge_generated_tokens_total " + std::to_string(generated_tokens_) + "\n";
    s += "# HELP lmforge_prompt_tokens_cached_total Prompt tokens a slot's cache already held.\n"
         "# TYPE lmforge_prompt_tokens_cached_total counter\n";
    s += "lmforge_prompt_tokens_cached_total " + std::to_string(cached_tokens_) + "\n";
  }
  s += time_to_first_token.render("lmforge_time_to_first_token_seconds", "Time from a request's arrival to its first token.");
  s += inter_token_latency.render("lmforge_inter_token_latency_seconds", "Time between consecutive tokens of a request.");
  s += "# HELP lmforge_queue_length Requests waiting for a slot.\n# TYPE lmforge_queue_length gauge\n";
  s += "lmforge_queue_length " + std::to_string(queue_length) + "\n";
  s += "# HELP lmforge_active_slots Slots running a request.\n# TYPE lmforge_active_slots gauge\n";
  s += "lmforge_active_slots " + std::to_string(active_slots) + "\n";
  return s;
}

}  // namespace lmf::serve
