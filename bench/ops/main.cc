// bench_ops: times registered op cases (forward + backward) and writes the results as
// JSON, for bench/ops/driver.py to set beside PyTorch's times. Usage:
//   bench_ops OUT.json [FILTER]    FILTER: a substring of case names, or =NAME for one case
//   bench_ops --list               prints the case names, one a line
// Timing: 3 warm-up calls, then calls until 1 s or 200 calls have run (at least 5); the
// reported time is the fastest call (the machine is shared, and the minimum is the most
// repeatable statistic); the median is kept too.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "bench_case.h"
#include "core/threads.h"
#include "io/atomic_file.h"

namespace lmf::bench {
std::vector<Case>& registry() {
  static std::vector<Case> r;
  return r;
}
}  // namespace lmf::bench

int main(int argc, char** argv) {
  using namespace lmf;
  if (argc < 2) {
    std::fprintf(stderr, "usage: %s OUT.json [FILTER] | --list\n", argv[0]);
    return 2;
  }
  if (std::string(argv[1]) == "--list") {
    for (auto& c : bench::registry()) std::printf("%s\n", c.name.c_str());
    return 0;
  }
  std::string filter = argc > 2 ? argv[2] : "";
  auto selected = [&](const std::string& name) {
    if (!filter.empty() && filter[0] == '=') return name == filter.substr(1);
    return filter.empty() || name.find(filter) != std::string::npos;
  };
  nlohmann::json out = {{"threads", threads::get()}, {"cases", nlohmann::json::array()}};
  for (auto& c : bench::registry()) {
    if (!selected(c.name)) continue;
    bench::Run run = c.setup();
    for (int i = 0; i < 3; ++i) run.once();
    std::vector<double> times;
    double total = 0;
    while (times.size() < 5 || (total < 1.0 && times.size() < 200)) {
      auto t0 = std::chrono::steady_clock::now();
      run.once();
      double s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      times.push_back(s);
      total += s;
    }
    std::sort(times.begin(), times.end());
    double best = times.front(), median = times[times.size() / 2];
    std::printf("%-48s %9.3f ms (median %.3f)", c.name.c_str(), best * 1e3, median * 1e3);
    if (run.flops > 0) std::printf("  %7.1f GFLOP/s", run.flops / best * 1e-9);
    std::printf("\n");
    std::fflush(stdout);
    out["cases"].push_back({{"name", c.name}, {"ms", best * 1e3}, {"median_ms", median * 1e3}, {"flops", run.flops}});
  }
  io::write_file_atomic(argv[1], [&](std::ostream& f) { f << out.dump(2) << "\n"; });
  return 0;
}
