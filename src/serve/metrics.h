// The server's counters and latency histograms, rendered in Prometheus' text format for
// GET /metrics:
//   lmforge_requests_total{route,status}       counter
//   lmforge_prompt_tokens_total                counter
//   lmforge_generated_tokens_total             counter
//   lmforge_prompt_tokens_cached_total         counter (prompt tokens a slot's cache already held)
//   lmforge_time_to_first_token_seconds        histogram (submit to first sampled token)
//   lmforge_inter_token_latency_seconds        histogram (between a request's tokens)
//   lmforge_queue_length, lmforge_active_slots gauges
// Thread-safe.
#pragma once
#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <utility>

namespace lmf::serve {

class Histogram {
 public:
  static constexpr std::array<double, 12> kBounds = {0.001, 0.0025, 0.005, 0.01, 0.025, 0.05,
                                                     0.1,   0.25,   0.5,   1.0,  2.5,   10.0};
  void observe(double seconds);
  // Prometheus lines for `name` (_bucket{le=...}, _sum, _count).
  std::string render(const std::string& name, const std::string& help) const;

 private:
  mutable std::mutex mu_;
  std::array<uint64_t, kBounds.size()> buckets_{};  // per bound, not cumulative
  uint64_t count_ = 0;
  double sum_ = 0;
};

class Metrics {
 public:
  void request(const std::string& route, int status);
  void tokens(int64_t prompt, int64_t generated);
  void cached_tokens(int64_t n);
  Histogram time_to_first_token, inter_token_latency;
  // Text of GET /metrics; the gauges are read by the caller (the engine owns them).
  std::string render(int64_t queue_length, int64_t active_slots) const;

 private:
  mutable std::mutex mu_;
  std::map<std::pair<std::string, int>, uint64_t> requests_;
  uint64_t prompt_tokens_ = 0, generated_tokens_ = 0, cached_tokens_ = 0;
};

}  // namespace lmf::serve
