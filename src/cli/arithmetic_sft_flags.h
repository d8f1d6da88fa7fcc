// The flags `data tool-sft` and `data cot-sft` share: the output folder, how many training and
// held-out conversations, the operand digits, the operations and the seed. O is
// augment::ToolSftOptions or augment::CotSftOptions (fields train, test, problems, seed).
#pragma once
#include <CLI/CLI.hpp>
#include <string>

#include "cli/flags.h"

namespace lmf::cli {

template <class O>
void add_arithmetic_sft_flags(CLI::App& app, std::string& out, O& o, const std::string& ops_help) {
  app.add_option("--out", out, "output directory (train.jsonl, test.jsonl)")->required();
  app.add_option("--train", o.train, "training conversations")->check(int_range<int64_t>(1, 10000000))->capture_default_str();
  app.add_option("--test", o.test, "held-out conversations")->check(int_range<int64_t>(0, 1000000))->capture_default_str();
  app.add_option("--min-digits", o.problems.min_digits, "fewest digits of an operand")
      ->check(int_range(1, 18))
      ->capture_default_str();
  app.add_option("--max-digits", o.problems.max_digits, "most digits of an operand")
      ->check(int_range(1, 18))
      ->capture_default_str();
  app.add_option("--ops", o.problems.ops, ops_help)->capture_default_str();
  app.add_option("--seed", o.seed, "random seed")->capture_default_str();
}

}  // namespace lmf::cli
