#include "data/pipeline/pipeline_file.h"

#include "core/error.h"
#include "data/pipeline/stage_factory.h"
#include "io/atomic_file.h"

namespace lmf::data::pipeline {

std::optional<TokenizeStep> take_tokenize_step(nlohmann::json& pipeline, const std::string& where) {
  const auto is_tokenize = [](const nlohmann::json& s) { return s.is_object() && s.value("stage", "") == "tokenize"; };
  if (!pipeline.is_object() || !pipeline.contains("stages") || !pipeline["stages"].is_array()) return std::nullopt;
  nlohmann::json& stages = pipeline["stages"];
  std::optional<nlohmann::json> last;
  if (!stages.empty() && is_tokenize(stages.back())) {
    last = stages.back();
    stages.erase(stages.size() - 1);
  }
  for (auto& s : stages)
    if (is_tokenize(s)) throw FormatError(where + ": \"tokenize\" must be the last stage");
  if (!last) return std::nullopt;
  const nlohmann::json& entry = *last;
  for (auto& [k, v] : entry.items())
    if (k != "stage" && k != "tokenizer" && k != "val_fraction")
      throw FormatError(where + ": tokenize: unknown setting \"" + k + "\"");
  if (!entry.contains("tokenizer") || !entry["tokenizer"].is_string())
    throw FormatError(where + ": tokenize: needs \"tokenizer\" (tiktoken:NAME or a tokenizer.json)");
  TokenizeStep step;
  step.tokenizer = entry["tokenizer"].get<std::string>();
  if (entry.contains("val_fraction")) {
    if (!entry["val_fraction"].is_number())
      throw FormatError(where + ": tokenize: \"val_fraction\" must be a number (" + entry["val_fraction"].dump() + ")");
    step.val_fraction = entry["val_fraction"].get<double>();
  }
  return step;
}

PipelineFileResult run_pipeline_file(const std::string& path, const RunOptions& options) {
  nlohmann::json j = nlohmann::json::parse(io::read_file(path), nullptr, false);
  if (j.is_discarded()) throw FormatError(path + ": not valid JSON");
  const std::optional<TokenizeStep> step = take_tokenize_step(j, path);
  if (step && options.text_field != "text")
    throw Error("tokenize: needs --text-field text (the field data tokenize reads)");
  const auto stages = load_pipeline(j, path);
  PipelineFileResult r;
  r.run = run_pipeline(stages, options);
  if (!step) return r;
  TokenizeCorpusOptions t;
  t.tokenizer = step->tokenizer;
  t.val_fraction = step->val_fraction;
  t.inputs = {options.out_dir + "/kept.jsonl"};
  t.out_dir = r.tokens_dir = options.out_dir + "/tokens";
  t.threads = options.threads;
  r.tokens = tokenize_corpus(t);
  return r;
}

}  // namespace lmf::data::pipeline
