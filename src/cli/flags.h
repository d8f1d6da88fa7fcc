// Flags that several commands share, declared one way (docs/cli.md is their glossary):
// each command keeps its values in local variables or an options struct and declares the
// flags with these helpers, so a flag has one name, one help text and one check everywhere.
// Numeric flags are checked while parsing; a bad value is a usage error naming the flag
// (exit status 2).
#pragma once
#include <CLI/CLI.hpp>
#include <nlohmann/json.hpp>
#include <charconv>
#include <limits>
#include <sstream>
#include <string>
#include <type_traits>

#include "augment/chain_of_thought.h"
#include "augment/fewshot.h"
#include "infer/sampler.h"

namespace lmf::eval {
struct SafetyMatch;
}

namespace lmf::cli {

// Accepts numbers in [lo, hi] written whole (an integer for an integral T); NaN and
// infinities fail the range: "must be an integer from lo to hi, got 'X'".
template <typename T>
CLI::Validator number_range(T lo, T hi) {
  return CLI::Validator(
      [lo, hi](std::string& in) -> std::string {
        T v{};
        const char* end = in.data() + in.size();
        const auto [ptr, ec] = std::from_chars(in.data(), end, v);
        if (ec == std::errc() && ptr == end && v >= lo && v <= hi) return "";
        std::ostringstream range;
        range << lo << " to " << hi;
        return std::string(std::is_integral_v<T> ? "must be an integer from " : "must be a number from ") + range.str() +
               ", got '" + in + "'";
      },
      "", "");
}
template <typename T>
CLI::Validator int_range(T lo, T hi) {
  return number_range<T>(lo, hi);
}
// At least `lo`, at most what T holds.
template <typename T>
CLI::Validator int_at_least(T lo) {
  return number_range<T>(lo, std::numeric_limits<T>::max());
}
inline CLI::Validator real_range(double lo, double hi) { return number_range<double>(lo, hi); }
inline CLI::Validator real_positive() { return real_range(std::numeric_limits<double>::denorm_min(), 1e300); }
inline CLI::Validator real_at_least(double lo) { return real_range(lo, 1e300); }

// --threads N: 1 to 1024, or 0 for every core; absent, LMFORGE_THREADS or every core.
// Call apply_threads(n) after parsing.
// The values given to option `name` (e.g. "--special") in argv exactly as written: each
// "--name=V", and the arguments after "--name" up to the next that starts with '-'. CLI11 reads
// a vector option's value written "[A]" as its list syntax (giving "A"), which would turn
// special tokens such as "[PAD]" into "PAD"; a command reads such values from here instead.
std::vector<std::string> literal_values(int argc, char** argv, const std::string& name);

void add_threads_flag(CLI::App& app, int& threads);
void apply_threads(int threads);
// Under mpirun the default (no --threads, no LMFORGE_THREADS) is the host's cores divided
// by the ranks on it.

// --bucket-mb (gradient all-reduce bucket size, 0 = one blocking all-reduce after backward)
// and --zero (0, or 1 = AdamW moments sharded across ranks): data-parallel training under mpirun.
void add_data_parallel_flags(CLI::App& app, double& bucket_mb, int& zero);

// --temperature, --top-k, --top-p, --min-p, --repetition-penalty, --seed.
void add_sampling_flags(CLI::App& app, SamplingOptions& s);

// --max-new-tokens N (1 to 1,000,000).
template <typename T>
CLI::Option* add_max_new_tokens_flag(CLI::App& app, T& n, const std::string& help) {
  return app.add_option("--max-new-tokens", n, help)->check(int_range<T>(1, 1000000))->capture_default_str();
}

// An older name of a numeric flag, kept working but hidden from --help; its check names it.
template <typename T>
CLI::Option* add_older_name(CLI::App& app, const std::string& name, T& value, T lo, T hi, const std::string& newer) {
  CLI::Validator range = number_range<T>(lo, hi);
  return app
      .add_option(name, value, "the same as " + newer + " (an older name)")
      ->check(CLI::Validator(
          [range, name](std::string& in) mutable {
            const std::string e = range(in);
            return e.empty() ? e : name + ": " + e;
          },
          "", ""))
      ->group("");
}

// --model DIR, --tokenizer SPEC, --adapter DIR (the model a command runs).
struct ModelFlags {
  std::string model_dir, tokenizer, adapter_dir;
};
void add_model_flags(CLI::App& app, ModelFlags& f, bool with_adapter = true);

// --num-fewshot K (unless the command declares it itself), --fewshot-pool FILE,
// --fewshot-select random|similar, --fewshot-description TEXT (augment/fewshot.h); the
// few-shot sampler's seed is the command's --seed.
struct FewshotFlags {
  int64_t k = 0;
  std::string pool, select = "random", description;
  augment::FewshotOptions options(uint64_t seed) const;
};
void add_fewshot_flags(CLI::App& app, FewshotFlags& f, bool with_k = true);

// --cot, --cot-cue TEXT (augment/chain_of_thought.h).
struct CotFlags {
  bool on = false;
  std::string cue = augment::kCotCue;
  std::string apply(const std::string& query) const { return on ? augment::cot_prompt(query, cue) : query; }
};
void add_cot_flags(CLI::App& app, CotFlags& f);

// --safety default|FILE (eval/safety_filter.h), and a match as the JSON the commands print:
// {"category", "phrase", "where": "input"|"output"}.
void add_safety_flag(CLI::App& app, std::string& spec);
nlohmann::json safety_json(const eval::SafetyMatch& m, const char* where);

}  // namespace lmf::cli
