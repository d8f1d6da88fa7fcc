#include "cli/flags.h"

#include <cstdlib>

#include "core/threads.h"
#include "dist/comm.h"
#include "eval/safety_filter.h"

namespace lmf::cli {

std::vector<std::string> literal_values(int argc, char** argv, const std::string& name) {
  std::vector<std::string> out;
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a.starts_with(name + "=")) {
      out.push_back(a.substr(name.size() + 1));
    } else if (a == name) {
      while (i + 1 < argc && argv[i + 1][0] != '-') out.push_back(argv[++i]);
    }
  }
  return out;
}

void add_threads_flag(CLI::App& app, int& threads) {
  threads = -1;
  app.add_option("--threads", threads, "threads: 1 to 1024, or 0 for every core (default: LMFORGE_THREADS or every core)")
      ->check(int_range(0, threads::kMaxThreads));
}

void apply_threads(int threads) {
  if (threads >= 0) {
    threads::set(threads);
  } else {
    const char* env = std::getenv("LMFORGE_THREADS");
    if (dist::launched_by_mpirun() && !(env && *env))
      threads::set(dist::default_threads_per_rank());
    else
      threads::init_from_env();  // a bad LMFORGE_THREADS is reported before any work
  }
}

void add_data_parallel_flags(CLI::App& app, double& bucket_mb, int& zero) {
  app.add_option("--bucket-mb", bucket_mb,
                 "under mpirun: gradient bucket size in MiB, all-reduced during backward as buckets fill (0 = one "
                 "blocking all-reduce after backward)")
      ->check(real_at_least(0))
      ->capture_default_str();
  app.add_option("--zero", zero, "under mpirun: ZeRO stage, 0 or 1 (1 = AdamW moments sharded across ranks)")
      ->check(CLI::IsMember({0, 1}))
      ->capture_default_str();
}

void add_sampling_flags(CLI::App& app, SamplingOptions& s) {
  app.add_option("--temperature", s.temperature, "sampling temperature; 0 = greedy")
      ->check(real_range(0, 100))
      ->capture_default_str();
  app.add_option("--top-k", s.top_k, "keep the k most likely tokens (0 = off)")
      ->check(int_at_least(0))
      ->capture_default_str();
  app.add_option("--top-p", s.top_p, "nucleus sampling mass (1 = off)")->check(real_range(0, 1))->capture_default_str();
  app.add_option("--min-p", s.min_p, "drop tokens below min-p x the top probability (0 = off)")
      ->check(real_range(0, 1))
      ->capture_default_str();
  app.add_option("--repetition-penalty", s.repetition_penalty, "CTRL repetition penalty (1 = off)")
      ->check(real_positive())
      ->capture_default_str();
  app.add_option("--seed", s.seed, "random seed")->capture_default_str();
}

void add_model_flags(CLI::App& app, ModelFlags& f, bool with_adapter) {
  app.add_option("--model", f.model_dir, "model directory (config.json, model.safetensors, tokenizer.json) or a .gguf file")->required();
  app.add_option("--tokenizer", f.tokenizer, "tokenizer SPEC: a tokenizer.json, a directory, a .gguf file or tiktoken:NAME (default: the model's own)");
  if (with_adapter)
    app.add_option("--adapter", f.adapter_dir,
                   "PEFT adapter directory (adapter_config.json, adapter_model.safetensors) applied to the model");
}

augment::FewshotOptions FewshotFlags::options(uint64_t seed) const {
  augment::FewshotOptions o;
  o.k = k;
  o.pool = pool;
  o.select = augment::parse_fewshot_select(select);
  o.seed = seed;
  o.format.description = description;
  return o;
}

void add_fewshot_flags(CLI::App& app, FewshotFlags& f, bool with_k) {
  if (with_k)
    app.add_option("--num-fewshot", f.k, "demonstrations from --fewshot-pool before the prompt, as lm-evaluation-harness "
                                         "formats them (input, \" \", output, blank line; the query last)")
        ->check(int_range<int64_t>(0, 1000))
        ->capture_default_str();
  app.add_option("--fewshot-pool", f.pool, "JSONL of demonstrations, one {\"input\", \"output\"} a line");
  app.add_option("--fewshot-select", f.select, "random (seeded by --seed, as the harness samples) or similar (BM25 against "
                                               "the prompt, the most similar last)")
      ->check(CLI::IsMember({"random", "similar"}))
      ->capture_default_str();
  app.add_option("--fewshot-description", f.description, "text before the demonstrations (taken verbatim)");
}

void add_safety_flag(CLI::App& app, std::string& spec) {
  app.add_option("--safety", spec, "safety filter on the prompt and the output: default (npm naughty-words' English list "
                                   "and PII) or a FILE of CATEGORY<TAB>PHRASE lines; a blocked prompt is refused, a "
                                   "blocked output cut where it crossed the line");
}

nlohmann::json safety_json(const eval::SafetyMatch& m, const char* where) {
  return {{"category", m.category}, {"phrase", m.phrase}, {"where", where}};
}

void add_cot_flags(CLI::App& app, CotFlags& f) {
  app.add_flag("--cot", f.on, "chain of thought: the prompt followed by a new line and --cot-cue");
  app.add_option("--cot-cue", f.cue, "the chain-of-thought cue")->capture_default_str();
}

}  // namespace lmf::cli
