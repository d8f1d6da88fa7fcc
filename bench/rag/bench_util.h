// What bench_rag and the Xapian driver (xapian/xapian_bm25.cc) share: reading the chunk and
// query files (one a line), wall and CPU clocks, peak RSS, latency percentiles, and the
// top-k rows file the overlap is computed from.
#pragma once
#include <sys/resource.h>

#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <fstream>
#include <stdexcept>
#include <string>
#include <vector>

namespace rag_bench {

inline std::vector<std::string> read_lines(const std::string& path) {
  std::ifstream in(path);
  if (!in) throw std::runtime_error("cannot open " + path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(std::move(line));
  return lines;
}

inline double now_s() {
  return std::chrono::duration<double>(std::chrono::steady_clock::now().time_since_epoch()).count();
}

// CPU seconds (user + system) of this process so far.
inline double cpu_s() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return double(r.ru_utime.tv_sec + r.ru_stime.tv_sec) + 1e-6 * double(r.ru_utime.tv_usec + r.ru_stime.tv_usec);
}

inline long peak_rss_kb() {
  rusage r{};
  getrusage(RUSAGE_SELF, &r);
  return r.ru_maxrss;
}

// The p-th percentile (0..100) of xs, nearest rank.
inline double percentile(std::vector<double> xs, double p) {
  if (xs.empty()) return 0;
  std::sort(xs.begin(), xs.end());
  size_t rank = size_t(std::ceil(p / 100.0 * double(xs.size())));
  return xs[std::min(xs.size() - 1, rank == 0 ? 0 : rank - 1)];
}

// One line a query: its rows, best first, separated by spaces.
inline void write_topk(const std::string& path, const std::vector<std::vector<int64_t>>& rows) {
  std::ofstream out(path);
  for (auto& r : rows) {
    for (size_t i = 0; i < r.size(); ++i) out << (i ? " " : "") << r[i];
    out << "\n";
  }
  if (!out) throw std::runtime_error("cannot write " + path);
}

}  // namespace rag_bench
