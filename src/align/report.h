// The before/after table that ends an alignment run (`lmforge align`): on held-out prompts,
// the starting model's and the aligned model's greedy replies are compared by
//   - the reward model's score (mean over prompts; when a reward model is given),
//   - the program judge (mean judged quality of each side, and the aligned side's win rate:
//     share of prompts where its reply is judged better, ties counting one half),
// and the alignment tax: perplexity of each side on held-out pretraining text (a token
// shard, windows of T tokens as `lmforge eval` takes them).
#pragma once
#include <cmath>
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "align/preferences.h"
#include "models/transformer.h"

namespace lmf::align {

struct ReportOptions {
  int64_t max_new_tokens = 32;
  // Judged quality of a reply in [0, 1] (align/judge.h), required; NaN for a
  // prompt it cannot judge (left out of the judged mean and the win rate).
  std::function<double(const PreferencePair& prompt, const std::string& reply)> judge;
  // Reward model score of prompt ids + reply ids; empty: no reward column.
  std::function<double(const std::vector<int32_t>& prompt, const std::vector<int32_t>& reply)> reward;
  std::string eval_shard;      // empty: no perplexity column
  int64_t eval_T = 0;          // 0: min(n_positions, 256)
  int64_t eval_batch = 4, eval_windows = 64;
};

struct ReportSide {
  double reward = NAN, judged = NAN, ppl = NAN;  // NaN: not measured
  std::vector<std::string> replies;
};

struct AlignReport {
  ReportSide before, after;
  double win_rate = NAN;
  int64_t prompts = 0, judged_prompts = 0;
};

// `model(false)` is the starting model, `model(true)` the aligned one (they may be the same
// Transformer with an adapter's hooks off and on).
AlignReport compare_models(const std::function<Transformer&(bool aligned)>& model, const tok::Tokenizer& tk,
                           const std::vector<PreferencePair>& prompts, const ReportOptions& opt);

std::string format_report(const AlignReport& r);  // the table, for stderr
nlohmann::json report_json(const AlignReport& r);

// The report that ends `lmforge align`, as one call: the starting model (model_dir)
// against the aligned one in out_dir (a model directory, or with `adapter` the starting
// model plus out_dir's PEFT adapter), greedy replies judged by the program judge of the
// embedded preference tasks (prompts it cannot judge are left out of the judged columns),
// the reward column from `reward` when it names a reward model directory (not "judge").
struct AlignReportCommand {
  std::string model_dir, out_dir, tokenizer_spec;
  bool adapter = false;
  std::string reward;        // reward model directory; empty or "judge": no reward column
  std::string prompts_path;  // held-out prompts, JSONL; empty: preference_tasks(3000, 1).test
  int64_t max_prompts = 64;  // the first this many
  int64_t max_new_tokens = 32;
  std::string eval_shard;  // empty: no perplexity column
  bool quiet = false;      // no progress line on stderr
};
// Runs the comparison and writes OUT/report.json (report_json, indented).
AlignReport run_align_report(const AlignReportCommand& c);

}  // namespace lmf::align
