// lmforge data preferences: write the default preference data (six program-judged task
// kinds; src/align/preference_tasks.h) as plain-form JSONL, train and test.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <filesystem>

#include "align/preference_tasks.h"
#include "cli/command.h"
#include "io/atomic_file.h"

namespace lmf::cli {
namespace {

int run_data_preferences(int argc, char** argv) {
  CLI::App app{"Write the default preference data (arithmetic, refusal, format, concise, polite, honest) as "
               "train/test JSONL",
               "lmforge data preferences"};
  std::string out;
  int64_t n = 3000;
  uint64_t seed = 1;
  app.add_option("--out", out, "output directory (train.jsonl, test.jsonl)")->required();
  app.add_option("--n", n, "pairs in all (a tenth held out for test)")->capture_default_str()->check(CLI::PositiveNumber);
  app.add_option("--seed", seed, "random seed")->capture_default_str();
  LMF_PARSE(app, argc, argv);
  align::PreferenceSplit s = align::preference_tasks(n, seed);
  std::filesystem::create_directories(out);
  io::write_text_atomic(out + "/train.jsonl", align::to_jsonl(s.train));
  io::write_text_atomic(out + "/test.jsonl", align::to_jsonl(s.test));
  std::printf("{\"train\": %zu, \"test\": %zu}\n", s.train.size(), s.test.size());
  return 0;
}

Command reg("data preferences", "default preference data (program-judged pairs) as JSONL", run_data_preferences);

}  // namespace
}  // namespace lmf::cli
