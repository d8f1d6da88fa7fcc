// `lmforge eval --tasks`: lm-evaluation-harness tasks run on one model, with the harness's
// results and samples files.
//
// Task names: a path to a .yaml/.yml file is loaded as it is; any other name (a glob such
// as `bias_*` allowed) is matched against the `task:` names of the YAML files in the
// tasks folder: $LMFORGE_TASKS_DIR when set, else the first of <executable dir>/../tasks
// (the source tree's tasks/ beside build/), <executable dir>/tasks and
// <executable dir>/../share/lmforge/tasks that exists.
//
// Files (with an output path): OUT/<model name>/results_<time>.json — results
// ("acc,none", "acc_stderr,none", ... per task; a missing standard error is "N/A"),
// configs, versions, n-shot, higher_is_better, n-samples, config — and with samples,
// OUT/<model name>/samples_<task>_<time>.jsonl, one line a document (doc_id, doc, target,
// arguments, resps, filtered_resps, the per-document metrics, doc_hash, prompt_hash,
// target_hash). <model name> is the model folder's path with each run of
// " < > : / | \ ? * [ ] replaced by "__", <time> the local time as
// YYYY-MM-DDTHH-MM-SS.ffffff, as the harness names them.
//
// The model runs here (a model folder, eval/local_model.h) or behind an OpenAI-compatible
// URL (`api.url` set, eval/api_model.h: the tokenizer is `tokenizer`, else the model
// folder's; the results' config names "local-completions" and <model name> is api.model).
//
// Contamination (`decontaminate_against` not empty): each task's evaluated documents —
// their DocRequest::decontamination_text, doc_to_text + target_delimiter + target — are
// matched against the corpus by eval/contamination.h (13-grams of words). The results
// file then holds "contamination": {TASK: {corpus, ngram, documents, contaminated, share,
// clean}} and, beside results[TASK], results["TASK_clean"]: the same metrics over the
// documents without a shared n-gram (alias "TASK (clean)"; versions, n-shot,
// higher_is_better and n-samples for it too, "effective" being the clean count). With
// samples, each line has "contaminated": true/false. A metric of an empty clean subset is
// "N/A".
//
// Minimal-pair tasks (a pair metric: pct_stereotype, likelihood_diff(erence)): the results
// file holds "bias": {TASK: eval/bias_report.h's summary — intervals and what drives it}.
#pragma once
#include <cstdint>
#include <functional>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "eval/api_model.h"
#include "eval/metrics.h"

namespace lmf::eval {

class SafetyFilter;

struct TasksOptions {
  std::string model_dir, tokenizer, adapter_dir;
  std::vector<std::string> tasks;  // names, globs or YAML paths
  int64_t num_fewshot = -1;        // -1: each task's num_fewshot (0 when absent)
  int64_t limit = 0;               // first N documents of each task (0: all)
  uint64_t seed = 1234;            // the few-shot sampler's seed (the harness's fewshot_random_seed)
  std::string output_path;         // "" writes nothing
  bool log_samples = false;
  bool apply_chat_template = false;  // generate_until prompts as a ChatML conversation (docs/eval.md)
  std::string tasks_dir;           // "" : default_tasks_dir()
  int64_t bootstrap_iters = kBootstrapIters;
  std::vector<std::string> decontaminate_against;  // corpus paths (eval/contamination.h); empty: no check
  ApiOptions api;                  // api.url set: score the model behind that URL instead of model_dir
  // generate_until through the safety filter (null: none): a blocked prompt is answered with
  // SafetyFilter::refusal, a blocked reply cut where the match begins; a sample line then
  // has "safety": {category, phrase}.
  const SafetyFilter* safety = nullptr;
};

inline constexpr int kContaminationNgram = 13;    // words, as the data pipeline's decontaminate stage
inline constexpr const char* kCleanSuffix = "_clean";  // results["TASK_clean"]: the uncontaminated documents

struct MetricRow {
  std::string task, metric;
  double value = 0, stderr_ = 0;  // stderr_ NaN: none
  bool higher_is_better = true;
  int64_t n_shot = 0;
  std::string filter = "none";
};

struct TaskContamination {
  std::string task;
  int64_t documents = 0, contaminated = 0;
};

struct TasksReport {
  nlohmann::ordered_json results;  // the results file's object
  std::vector<MetricRow> rows;     // per task, then per TASK_clean with contamination
  std::vector<TaskContamination> contamination;  // per task, with decontaminate_against
  std::string results_file;               // "" without an output path
  std::vector<std::string> samples_files;
};

std::string default_tasks_dir();
// YAML files for `names` (Error naming a name that matches nothing, listing what exists).
std::vector<std::string> resolve_tasks(const std::vector<std::string>& names, const std::string& tasks_dir);

TasksReport run_tasks(const TasksOptions& o, const std::function<void(const std::string& task, int64_t done, int64_t total)>& progress = nullptr);

// The terminal table (the harness's layout: Tasks | Version | Filter | n-shot | Metric | | Value | | Stderr).
std::string results_table(const std::vector<MetricRow>& rows, const nlohmann::ordered_json& versions);

}  // namespace lmf::eval
