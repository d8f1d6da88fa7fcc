// lmforge data cot-sft: instruction data for worked (step-by-step) arithmetic
// (augment/cot_sft.h) — multi-digit additions and multiplications with the steps written
// out (--style cot) or the answer alone (--style direct) — as train.jsonl and test.jsonl.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "augment/cot_sft.h"
#include "cli/arithmetic_sft_flags.h"
#include "cli/command.h"
#include "cli/flags.h"

namespace lmf::cli {
namespace {

int run_data_cot_sft(int argc, char** argv) {
  CLI::App app{"Write instruction data for worked arithmetic: additions and multiplications answered step by step "
               "(--style cot) or directly (--style direct) (train.jsonl: training problems; test.jsonl: held-out problems)",
               "lmforge data cot-sft"};
  std::string out;
  augment::CotSftOptions o;
  add_arithmetic_sft_flags(app, out, o, "operations, any of + *");
  app.add_option("--style", o.style, "cot: the steps, then the answer; direct: the answer alone")
      ->check(CLI::IsMember({"cot", "direct"}))
      ->capture_default_str();
  LMF_PARSE(app, argc, argv);
  const augment::ArithmeticSftData d = augment::make_cot_sft(o);
  augment::write_cot_sft(d, o.style, out);
  std::printf("{\"train\": %zu, \"test\": %zu}\n", d.train.size(), d.test.size());
  return 0;
}

Command reg("data cot-sft", "instruction data for worked (step-by-step) arithmetic, or the same problems answered directly",
            run_data_cot_sft);

}  // namespace
}  // namespace lmf::cli
