// An lm-evaluation-harness task file (YAML, a documented subset) and the requests it makes.
//
// Fields: task, dataset_path (json only) with dataset_kwargs.data_files mapping split names
// to JSONL files relative to the YAML file, test_split / validation_split /
// training_split / fewshot_split, doc_to_text, doc_to_target, doc_to_choice, output_type
// (multiple_choice, loglikelihood, loglikelihood_rolling, generate_until), target_delimiter (" "),
// fewshot_delimiter ("\n\n"), description, metric_list (metric, aggregation,
// higher_is_better; for exact_match also ignore_case, ignore_punctuation, ignore_numbers,
// regexes_to_ignore), num_fewshot, metadata (version); for generate_until also
// generation_kwargs (until: a string or a list, default [fewshot_delimiter]; max_gen_toks,
// default 256; do_sample false / temperature 0, as generation here is greedy), filter_list
// (eval/filters.h) and repeats. Any other top-level field, a split
// without a file, a template error, an unknown metric or one that does not fit the output
// type is an Error naming FILE:LINE and the field.
//
// doc_to_text / doc_to_target / doc_to_choice follow ConfigurableTask: a string naming a
// field of the document is that field's value; any other string is a template
// (eval/template.h) — for text and target, all digits with doc_to_choice set is an index,
// a target "[...]" is a Python list; a choice template's text is a Python list literal
// (a single {{ expression }} yielding a list is taken as it is); YAML integers and lists
// are used as they are. An integer target indexes the choices; a string target is found
// among them.
//
// Prompts as the harness builds them (ContextSampler.get_context, fewshot_context):
//   description + Σ over shots (text + target_delimiter + target + fewshot_delimiter) + text
// Shots: one PyRandom(seed) (CPython's random.Random) per task; for each evaluated document
// in order, sample(fewshot docs, k) — k + 1 when the few-shot split is the test split,
// then the evaluated document itself is dropped and the first k kept.
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "eval/filters.h"
#include "eval/template.h"

namespace lmf::eval {

// One of doc_to_text / doc_to_target / doc_to_choice as the file gives it.
struct DocField {
  enum Kind { Absent, String, Integer, List } kind = Absent;
  std::string text;       // String: a field name or a template
  Template tmpl;          // String: parsed
  int64_t integer = 0;    // Integer
  Doc list;               // List
  std::string where;      // "FILE:LINE: field NAME"
};

struct Task {
  std::string name, file, output_type;
  std::string target_delimiter = " ", fewshot_delimiter = "\n\n";
  std::string description;  // template text ("" none)
  Template description_tmpl;
  DocField doc_to_text, doc_to_target, doc_to_choice;
  std::vector<std::string> metrics;
  std::vector<bool> higher_is_better;  // by metric
  ExactMatchOptions exact_match;       // exact_match's arguments in metric_list
  std::vector<std::string> until;      // generate_until: stop strings
  int64_t max_gen_toks = 256;          // generate_until: most tokens generated
  int64_t repeats = 1;                 // responses a document (greedy: all equal)
  std::vector<Filter> filters;         // generate_until: filter_list (default: "none", take_first)
  std::string test_split, fewshot_split;  // fewshot_split "" when there are none
  std::vector<Doc> test_docs, fewshot_docs;
  int64_t num_fewshot = 0;  // the file's (0 when absent)
  Doc version = 0;
  nlohmann::ordered_json config;  // the file's fields, for the results' "configs"

  Doc text(const Doc& doc) const;    // string (or an index, which is an error to use)
  Doc target(const Doc& doc) const;  // string, integer or list
  std::vector<std::string> choices(const Doc& doc) const;
  // The target as text, as a few-shot answer: choices[i] for an index, the first of a list.
  std::string target_text(const Doc& doc) const;
  // The right choice's index (multiple_choice).
  int64_t gold(const Doc& doc) const;
};

Task load_task(const std::string& yaml_path);

// What one evaluated document asks of the model.
struct DocRequest {
  int64_t doc_id = 0;
  const Doc* doc = nullptr;
  std::string context;                     // the prompt (multiple_choice, loglikelihood)
  std::vector<std::string> continuations;  // target_delimiter + choice / target
  std::vector<std::string> choices;        // multiple_choice: the choices' texts
  int64_t gold = -1;
  std::string rolling_text;                // loglikelihood_rolling: the target
  std::string target;                      // the target's text (samples)
  std::vector<std::string> targets;        // generate_until: the references (a list target: any matches)
  std::string system;                      // the description, for a chat prompt's system message
  std::string user;                        // the prompt without the description: a chat prompt's user message
  // What a contamination check matches against a corpus: doc_to_text + target_delimiter +
  // the target's text, without description or shots (loglikelihood_rolling: the target).
  std::string decontamination_text;
};

// The requests of the first `limit` test documents (0: all) with k shots each.
std::vector<DocRequest> build_requests(const Task& t, int64_t num_fewshot, int64_t limit, uint64_t seed);

// The prompt of one document (with its shots drawn from `rnd`).
class PyRandom;
std::string fewshot_context(const Task& t, const Doc& doc, int64_t num_fewshot, PyRandom& rnd);

}  // namespace lmf::eval
