// bench_dpo: time per DPO step of align::train_dpo (the policy's forward and backward on the
// chosen and the rejected sequences, clipping, AdamW; the reference log-probabilities are
// cached before the first step and timed apart), as bench/dpo/torch_dpo.py times PyTorch.
// Usage:
//   bench_dpo MODEL_DIR PAIRS_JSON STEPS
// PAIRS_JSON: [{"prompt": [ids], "chosen": [ids], "rejected": [ids]}, ...]; every step takes
// all pairs (one batch, order sequential). Prints JSON: the median step time over the steps
// after two warm-up steps, every step's time, the reference pass time, the threads, and the
// mean chosen and rejected log-probabilities of step 1 (to check both sides compute the same).
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <fstream>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "align/dpo.h"
#include "core/threads.h"
#include "models/checkpoint.h"

int main(int argc, char** argv) {
  using namespace lmf;
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s MODEL_DIR PAIRS_JSON STEPS\n", argv[0]);
    return 2;
  }
  Transformer model = load_model(argv[1]);
  const nlohmann::json js = nlohmann::json::parse(std::ifstream(argv[2]));
  std::vector<align::EncodedPair> pairs;
  for (const auto& p : js)
    pairs.push_back({p["prompt"].get<std::vector<int32_t>>(), p["chosen"].get<std::vector<int32_t>>(),
                     p["rejected"].get<std::vector<int32_t>>()});
  align::DpoOptions opt;
  opt.beta = 0.1;
  opt.batch = int64_t(pairs.size());
  opt.steps = std::stoll(argv[3]);
  opt.lr = 1e-6;
  opt.order = "sequential";
  opt.quiet = true;
  using Clock = std::chrono::steady_clock;
  // A step ends at its callback; step 1 is counted from the end of the reference pass
  // (start + reference_seconds).
  const auto start = Clock::now();
  std::vector<Clock::time_point> ends;
  align::DpoResult r = align::train_dpo(model, nullptr, nullptr, pairs, opt, [&](const align::DpoMetrics&) {
    ends.push_back(Clock::now());
  });
  std::vector<double> times;
  Clock::time_point last = start + std::chrono::duration_cast<Clock::duration>(std::chrono::duration<double>(r.reference_seconds));
  for (const Clock::time_point& e : ends) {
    times.push_back(std::chrono::duration<double>(e - last).count());
    last = e;
  }
  std::vector<double> warm(times.begin() + std::min<size_t>(2, times.size() - 1), times.end());
  std::sort(warm.begin(), warm.end());
  nlohmann::json out = {{"step_s", warm[warm.size() / 2]},
                        {"steps_s", times},
                        {"reference_s", r.reference_seconds},
                        {"threads", threads::get()},
                        {"step1_logps", {r.first.logps_chosen, r.first.logps_rejected}}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}
