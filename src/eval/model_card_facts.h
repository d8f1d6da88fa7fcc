// What a model card may say about a model, gathered only from the files lmforge writes
// beside a model and its runs (docs/model_card.md): config.json, model.safetensors,
// tokenizer.json, tokenizer_config.json, generation_config.json, adapter_config.json and
// adapter_model.safetensors; a run's metrics.jsonl, training_state/trainer_state.json,
// its plot (loss.svg, ppo.svg or reward.svg) and an alignment run's report.json; the data
// pipeline's report.json (`lmforge data run`) with the token shards' meta.json beside it;
// and lm-evaluation-harness results files (`lmforge eval --tasks --output-path`).
//
// The facts are one JSON object (the shape below, printed by `lmforge card --json`). A
// fact that no file holds is null (or absent from a list), never guessed; every group
// names the file it came from ("source"). A file that is named (or that a model directory
// holds) but cannot be read or parsed is a FormatError naming it.
//
//   {"model": {"name", "dir"},
//    "base_model": ID | null, "base_model_source": "--base-model" | FILE | null,
//    "license": ID | null,
//    "architecture": {"source", "model_type", "layers", "hidden_size", "heads", "kv_heads",
//                     "head_dim", "mlp", "context", "vocab_size", "tied_embeddings",
//                     "positions", "norm", "norm_eps", "rope_theta"} | null,
//    "weights": {"source", "parameters", "tensors", "dtypes": [..], "bytes"} | null,
//    "tokenizer": {"source", "type", "vocab_size", "pre_tokenizer", "normalizer",
//                  "special_tokens": [..], "chat_template": bool, "bos_token_id", "eos_token_id",
//                  "tokenizer_config_source"?, "generation_config_source"?} | null,
//    "runs": [RUN, ...]   the earlier runs (--stage, oldest first), then the model's own,
//    "data": {"source", "inputs": [..], "documents": {"in", "kept", "removed"},
//             "bytes": {"in", "kept"}, "stages": [{"stage", "documents_in", "documents_out",
//             "removed": {REASON: N}, "counts": {..}}], "tokens": {"source", "tokenizer",
//             "train", "val", "train_documents", "val_documents"} | null} | null,
//    "evaluations": [{"source", "task", "bias_or_safety", "n_shot", "split", "samples",
//                     "model_args", "metrics": [{"metric", "filter", "key", "value", "stderr"}],
//                     "bias_summary": the results file's "bias" entry of the task | null}],
//    "intended_use": {"source", "text"} | null, "limitations": {"source", "text"} | null}
//
//   RUN = {"dir", "kind": "pretraining" | "fine-tuning" | "alignment (DPO)" |
//          "alignment (PPO)" | "reward model" | null, "method": PEFT type | "full" | null,
//          "settings": {"source", ...the run's options} | null, "adapter": {"source", ...} | null,
//          "adapter_weights": {"source", "parameters", "tensors", "dtypes", "bytes"} | null,
//          "metrics": {"source", "rows", "last_step", "tokens", "series": {NAME: {"points",
//                      "first", "last", "min", "min_step", "max"}}} | null,
//          "plot": PATH | null, "report": {"source", ...report.json} | null}
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lmf::eval {

struct ModelCardInputs {
  std::string model_dir;                  // the model (or PEFT adapter) directory
  std::vector<std::string> stage_dirs;    // earlier runs it was made from, oldest first
  std::string data_report;                // `lmforge data run` report.json ("" = none)
  std::vector<std::string> eval_results;  // lm-evaluation-harness results files
  std::string base_model, license;        // as the user states them ("" = unknown)
  std::string intended_use_file, limitations_file;  // Markdown text ("" = unknown)
};

// True for the evaluation tasks reported under "Bias and safety": names starting with
// "bias_" or "safety".
bool is_bias_or_safety_task(const std::string& task);

nlohmann::ordered_json gather_model_facts(const ModelCardInputs& in);

}  // namespace lmf::eval
