// Flags that several commands share, declared one way (docs/cli.md is their glossary):
// each command keeps its values in local variables or an options struct and declares the
// flags with these helpers, so a flag has one name, one help text and one check everywhere.
// Numeric flags are checked while parsing; a bad value is a usage error naming the flag
// (exit status 2).
#pragma once
#include <CLI/CLI.hpp>
#include <cmath>
#include <limits>
#include <string>

#include "infer/sampler.h"

namespace lmf::cli {

// Accepts integers in [lo, hi]: "must be an integer from lo to hi, got X".
template <typename T>
CLI::Validator int_range(T lo, T hi) {
  return CLI::Validator(
      [lo, hi](std::string& in) -> std::string {
        long long v = 0;
        size_t used = 0;
        try {
          v = std::stoll(in, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != in.size() || in.empty() || v < (long long)lo || v > (long long)hi)
          return "must be an integer from " + std::to_string(lo) + " to " + std::to_string(hi) + ", got '" + in + "'";
        return "";
      },
      "", "");
}
// At least `lo`, at most what T holds.
template <typename T>
CLI::Validator int_at_least(T lo) {
  return int_range<T>(lo, std::numeric_limits<T>::max());
}

// Accepts finite numbers in [lo, hi] (NaN and infinities are refused).
inline CLI::Validator real_range(double lo, double hi) {
  return CLI::Validator(
      [lo, hi](std::string& in) -> std::string {
        double v = 0;
        size_t used = 0;
        try {
          v = std::stod(in, &used);
        } catch (const std::exception&) {
          used = 0;
        }
        if (used != in.size() || in.empty() || !std::isfinite(v) || v < lo || v > hi)
          return "must be a number from " + CLI::detail::to_string(lo) + " to " + CLI::detail::to_string(hi) +
                 ", got '" + in + "'";
        return "";
      },
      "", "");
}
inline CLI::Validator real_positive() { return real_range(std::numeric_limits<double>::denorm_min(), 1e300); }
inline CLI::Validator real_at_least(double lo) { return real_range(lo, 1e300); }

// --threads N: 1 to 1024, or 0 for every core; absent, LMFORGE_THREADS or every core.
// Call apply_threads(n) after parsing.
void add_threads_flag(CLI::App& app, int& threads);
void apply_threads(int threads);

// --temperature, --top-k, --top-p, --min-p, --repetition-penalty, --seed.
void add_sampling_flags(CLI::App& app, SamplingOptions& s);

// --max-new-tokens N (1 to 1,000,000).
template <typename T>
CLI::Option* add_max_new_tokens_flag(CLI::App& app, T& n, const std::string& help) {
  return app.add_option("--max-new-tokens", n, help)->check(int_range<T>(1, 1000000))->capture_default_str();
}

// --model DIR, --tokenizer SPEC, --adapter DIR (the model a command runs).
struct ModelFlags {
  std::string model_dir, tokenizer, adapter_dir;
};
void add_model_flags(CLI::App& app, ModelFlags& f, bool with_adapter = true);

}  // namespace lmf::cli
