// A pipeline file, as `lmforge data run --pipeline FILE` takes it:
//
//   {"stages": [{"stage": NAME, SETTING: VALUE, ...}, ..., {"stage": "tokenize", ...}]}
//
// The stages are made by stage_factory.h. A last entry "tokenize" is not a stage but a step
// after the run: the kept documents (OUT/kept.jsonl) become token shards in OUT/tokens, as
// `lmforge data tokenize` makes them (data/tokenize_corpus.h), with the settings
// "tokenizer" (required: tiktoken:NAME or a tokenizer.json) and "val_fraction" (default
// 0.05). It reads the kept documents' "text" field, so the run's text_field must be "text".
// "tokenize" anywhere but last, other settings, or a missing or mistyped one are errors
// naming the file, found before anything runs.
#pragma once
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "data/pipeline/runner.h"
#include "data/tokenize_corpus.h"

namespace lmf::data::pipeline {

struct TokenizeStep {
  std::string tokenizer;  // spec for tok::Tokenizer::load
  double val_fraction = 0.05;
};

// Removes a last "tokenize" entry from pipeline["stages"] and returns its settings, or
// nothing when the last entry is a stage. `where` names the file in errors.
std::optional<TokenizeStep> take_tokenize_step(nlohmann::json& pipeline, const std::string& where);

struct PipelineFileResult {
  RunResult run;
  std::optional<TokenizeCorpusReport> tokens;  // when the file ends with "tokenize"
  std::string tokens_dir;                      // where the shards are: OUT/tokens
};

// Reads the pipeline file at `path`, runs its stages over options.inputs into
// options.out_dir (runner.h) and, when the file ends with "tokenize", tokenizes the kept
// documents with options.threads threads.
PipelineFileResult run_pipeline_file(const std::string& path, const RunOptions& options);

}  // namespace lmf::data::pipeline
