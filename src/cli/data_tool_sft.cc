// lmforge data tool-sft: instruction data for calling the calculator (augment/tool_sft.h) —
// 4–8-digit arithmetic asked by a user, a calculator call, its answer, the exact result —
// as train.jsonl (training problems) and test.jsonl (held-out problems).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "augment/tool_sft.h"
#include "cli/arithmetic_sft_flags.h"
#include "cli/command.h"
#include "cli/flags.h"

namespace lmf::cli {
namespace {

int run_data_tool_sft(int argc, char** argv) {
  CLI::App app{"Write instruction data for calling the calculator: arithmetic questions, a calculator call, its "
               "answer and the exact result (train.jsonl: training problems; test.jsonl: held-out problems)",
               "lmforge data tool-sft"};
  std::string out;
  augment::ToolSftOptions o;
  add_arithmetic_sft_flags(app, out, o, "operations, any of + - *");
  LMF_PARSE(app, argc, argv);
  const augment::ArithmeticSftData d = augment::make_tool_sft(o);
  augment::write_tool_sft(d, out);
  std::printf("{\"train\": %zu, \"test\": %zu}\n", d.train.size(), d.test.size());
  return 0;
}

Command reg("data tool-sft", "instruction data for calling the calculator (arithmetic questions, calls, results)",
            run_data_tool_sft);

}  // namespace
}  // namespace lmf::cli
