// lmforge eval: how good a model is, in one of two ways.
//   --data SHARD            mean next-token loss and perplexity over a token shard (JSON);
//                           with --reference MODEL, both models' perplexity and the KL
//                           divergence of --model's next-token distributions from the
//                           reference's (eval::model_kl_divergence; a table, or --json).
//   --instructions FILE     held-out exact-match on instruction data (Alpaca or chat JSONL,
//                           src/infer/chat_template.h): the greedy reply to every
//                           conversation but its last message must equal that message
//                           exactly (eval::exact_match_report); prints --show N examples with
//                           question, expected answer and reply, then the score (--json: one
//                           JSON object). --num-fewshot K --fewshot-pool FILE puts K
//                           demonstrations before each question (augment/fewshot.h), --cot
//                           a chain-of-thought cue after it.
//   --tasks NAME[,NAME...]  lm-evaluation-harness tasks (names, globs or YAML paths;
//                           eval::run_tasks): a results table, and with --output-path the
//                           harness's results (and --log-samples samples) files;
//                           --decontaminate-against CORPUS adds each task's contamination
//                           share and its clean-subset scores; --api URL --api-model NAME
//                           scores a model behind an OpenAI-compatible server instead.
// Every way --adapter DIR applies a PEFT adapter to the model first.
#include <CLI/CLI.hpp>
#include <algorithm>
#include <cstdio>
#include <memory>
#include <optional>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "cli/flags.h"
#include "eval/bias_report.h"
#include "eval/exact_match.h"
#include "eval/harness.h"
#include "eval/kl_divergence.h"
#include "eval/perplexity.h"
#include "eval/safety_filter.h"
#include "finetune/inference_model.h"
#include "finetune/peft.h"
#include "io/progress.h"
#include "models/checkpoint.h"

namespace lmf::cli {
namespace {

// The question of a conversation: its messages but the last, one "role: content" line each
// (only the content when it is a single user message).
std::string question_of(const Conversation& c) {
  if (c.size() == 2 && c[0].role == "user") return c[0].content;
  std::string q;
  for (size_t i = 0; i + 1 < c.size(); ++i) q += (i ? "\n" : "") + c[i].role + ": " + c[i].content;
  return q;
}

// One line for the terminal: newlines shown as "\n", cut at `width` characters.
std::string one_line(const std::string& s, size_t width = 100) {
  std::string out;
  for (char ch : s) out += ch == '\n' ? std::string("\\n") : std::string(1, ch);
  if (out.size() > width) out = out.substr(0, width - 3) + "...";
  return out;
}

int run_instructions(ft::InferenceModel& m, const std::string& path, int64_t show, int64_t max_new, bool json_out,
                     const augment::FewshotPrompter& fewshot, const CotFlags& cot) {
  const std::vector<Conversation> asked = eval::read_exact_match_set(path);
  std::vector<Conversation> test = asked;  // the last user message with its demonstrations and cue
  for (Conversation& c : test)
    for (size_t i = c.size() - 1; i-- > 0;)
      if (c[i].role == "user") {
        c[i].content = cot.apply(fewshot.prompt(c[i].content));
        break;
      }
  io::Progress bar(int64_t(test.size()), 1, 0, std::max<int64_t>(1, int64_t(test.size()) / 10));
  bar.set_units({"example", "ex/s", false});
  eval::ExactMatchReport r = eval::exact_match_report(m.model, m.tokenizer, test, max_new, [&](int64_t done) {
    bar.update(done, "");
  });
  bar.finish();
  const size_t n_show = size_t(std::clamp<int64_t>(show, 0, int64_t(test.size())));
  if (json_out) {
    nlohmann::json samples = nlohmann::json::array();
    for (size_t i = 0; i < n_show; ++i)
      samples.push_back({{"question", question_of(asked[i])},
                         {"answer", test[i].back().content},
                         {"reply", r.replies[i]},
                         {"right", bool(r.right[i])}});
    nlohmann::json out = {{"exact_match", r.score()}, {"right", r.hits}, {"examples", r.total}, {"samples", samples}};
    // A reply may end inside a UTF-8 sequence: such bytes print as U+FFFD.
    std::printf("%s\n", out.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  for (size_t i = 0; i < n_show; ++i) {
    std::printf("question: %s\n", one_line(question_of(asked[i])).c_str());
    std::printf("answer:   %s\n", one_line(test[i].back().content).c_str());
    std::printf("reply:    %s  [%s]\n\n", one_line(r.replies[i]).c_str(), r.right[i] ? "right" : "wrong");
  }
  std::printf("exact match: %.3f (%lld of %lld)\n", r.score(), (long long)r.hits, (long long)r.total);
  return 0;
}

int run_task_eval(const eval::TasksOptions& o) {
  std::string current;
  std::unique_ptr<io::Progress> bar;
  eval::TasksReport r = eval::run_tasks(o, [&](const std::string& task, int64_t done, int64_t total) {
    if (task != current) {
      if (bar) bar->finish();
      current = task;
      std::fprintf(stderr, "%s\n", task.c_str());
      bar = std::make_unique<io::Progress>(total, 1, 0, std::max<int64_t>(1, total / 10));
      bar->set_units({"doc", "doc/s", false});
    }
    bar->update(done, "");
  });
  if (bar) bar->finish();
  std::printf("%s", eval::results_table(r.rows, r.results["versions"]).c_str());
  for (const eval::TaskContamination& c : r.contamination)
    std::printf("contamination: %s: %lld of %lld documents (%.1f%%) share a %d-gram of words with the corpus; %s%s scores the other %lld\n",
                c.task.c_str(), (long long)c.contaminated, (long long)c.documents,
                c.documents ? 100.0 * double(c.contaminated) / double(c.documents) : 0.0, eval::kContaminationNgram, c.task.c_str(),
                eval::kCleanSuffix, (long long)(c.documents - c.contaminated));
  if (r.results.contains("bias"))
    for (const auto& [task, summary] : r.results["bias"].items()) std::printf("%s", eval::bias_text(task, summary).c_str());
  if (!r.results_file.empty()) std::printf("results: %s\n", r.results_file.c_str());
  for (const auto& f : r.samples_files) std::printf("samples: %s\n", f.c_str());
  return 0;
}

int run_kl_divergence(Transformer& model, const std::string& model_path, const std::string& reference_path,
                      const std::string& data_path, int64_t seq, int64_t batch, int64_t max_windows, bool json_out) {
  Transformer reference = load_model(reference_path);
  const eval::KlDivergenceReport r =
      eval::model_kl_divergence(reference, model, reference_path, model_path, data_path, seq, -1, batch, max_windows);
  if (json_out) {
    nlohmann::json out = {{"windows", r.windows},
                          {"seq", r.T},
                          {"first_scored", r.first},
                          {"positions", r.positions},
                          {"reference", {{"loss", r.loss_reference}, {"ppl", r.ppl_reference}}},
                          {"model", {{"loss", r.loss_model}, {"ppl", r.ppl_model}}},
                          {"kl_divergence",
                           {{"mean", r.kl_mean},
                            {"stderr", r.kl_stderr},
                            {"median", r.kl_median},
                            {"p99", r.kl_p99},
                            {"p99_9", r.kl_p999},
                            {"max", r.kl_max}}},
                          {"same_top1", {{"share", r.top1_agreement}, {"stderr", r.top1_stderr}}},
                          {"rms_delta_p", r.rms_delta_p}};
    std::printf("%s\n", out.dump().c_str());
    return 0;
  }
  std::printf("%lld predictions: positions %lld..%lld of %lld windows of %lld tokens\n", (long long)r.positions,
              (long long)r.first, (long long)(r.T - 1), (long long)r.windows, (long long)r.T);
  std::printf("%-22s %12s %12s\n", "", "reference", "model");
  std::printf("%-22s %12.6f %12.6f\n", "mean NLL (nats)", r.loss_reference, r.loss_model);
  std::printf("%-22s %12.4f %12.4f\n", "perplexity", r.ppl_reference, r.ppl_model);
  std::printf("KL divergence (nats)\n");
  std::printf("  %-20s %.6f ± %.6f\n", "mean", r.kl_mean, r.kl_stderr);
  std::printf("  %-20s %.6f\n", "median", r.kl_median);
  std::printf("  %-20s %.6f\n", "99%", r.kl_p99);
  std::printf("  %-20s %.6f\n", "99.9%", r.kl_p999);
  std::printf("  %-20s %.6f\n", "max", r.kl_max);
  std::printf("%-22s %.3f ± %.3f %%\n", "same top-1", 100 * r.top1_agreement, 100 * r.top1_stderr);
  std::printf("RMS Δp                 %.3f %%\n", 100 * r.rms_delta_p);  // Δ is two bytes: padded by hand
  return 0;
}

int run_eval(int argc, char** argv) {
  CLI::App app{"Evaluate a model: perplexity over a token shard (--data; with --reference, KL divergence from a reference model), held-out exact-match on instruction data (--instructions), "
               "or lm-evaluation-harness tasks (--tasks)",
               "lmforge eval"};
  ModelFlags mf;
  std::string data_path, inst_path, reference_path;
  int64_t seq = 0, batch = 8, max_windows = 0, show = 5, max_new = 64;
  int threads = 0;
  bool json_out = false;
  app.add_option("--model", mf.model_dir, "model directory (config.json, model.safetensors); with --api only its tokenizer is read");
  app.add_option("--adapter", mf.adapter_dir, "PEFT adapter directory (adapter_config.json, adapter_model.safetensors) applied to the model");
  auto* data_opt = app.add_option("--data", data_path, "token shard (.bin, llm.c format): perplexity");
  auto* inst_opt = app.add_option("--instructions", inst_path,
                                  "instruction data, JSONL (Alpaca or chat messages): exact-match of greedy replies");
  data_opt->excludes(inst_opt);
  app.add_option("--reference", reference_path,
                 "--data: reference model (directory or .gguf, the same vocabulary): report both perplexities and the KL "
                 "divergence of --model's next-token distributions from the reference's over the second half of each window");
  eval::TasksOptions to;
  std::vector<std::string> task_names;
  auto* tasks_opt = app.add_option("--tasks", task_names, "lm-evaluation-harness tasks: names (globs allowed) or task YAML files")
                        ->delimiter(',');
  tasks_opt->excludes(data_opt)->excludes(inst_opt);
  app.add_option("--num-fewshot", to.num_fewshot, "--tasks: few-shot examples a prompt (default: each task's num_fewshot, else 0); "
                                                   "--instructions: demonstrations from --fewshot-pool before each question")
      ->check(int_at_least<int64_t>(0));
  app.add_option("--limit", to.limit, "--tasks: evaluate only the first N documents of each task (0 = all)")
      ->check(int_at_least<int64_t>(0));
  app.add_option("--seed", to.seed, "--tasks, --instructions: seed of the few-shot sampler (the harness's fewshot seed)")->capture_default_str();
  FewshotFlags fewshot;
  CotFlags cot;
  add_fewshot_flags(app, fewshot, false);
  add_cot_flags(app, cot);
  app.add_option("--output-path", to.output_path, "--tasks: write DIR/<model name>/results_<time>.json");
  app.add_flag("--log-samples", to.log_samples, "--tasks: also write samples_<task>_<time>.jsonl (with --output-path)");
  app.add_flag("--apply-chat-template", to.apply_chat_template,
               "--tasks: generate_until prompts as a ChatML conversation (description as system, the rest as user)");
  app.add_option("--decontaminate-against", to.decontaminate_against,
                 "--tasks: training corpus (JSONL with a text field, text, or .bin token shards; repeatable or a comma list): "
                 "report each task's documents sharing a 13-gram of words with it and score the clean ones as TASK_clean")
      ->delimiter(',');
  app.add_option("--api", to.api.url, "--tasks: score the model behind this OpenAI-compatible server (POST URL/v1/completions) instead of --model");
  app.add_option("--api-model", to.api.model, "--api: the served model's name (the requests' \"model\")");
  app.add_option("--api-key", to.api.api_key, "--api: sent as \"Authorization: Bearer KEY\"");
  app.add_option("--max-length", to.api.max_length, "--api: most tokens one prompt sends (longer requests keep their end)")
      ->check(int_at_least<int64_t>(2))
      ->capture_default_str();
  app.add_option("--seq", seq, "--data: window length T (default: the model's context length)")->check(int_at_least<int64_t>(1));
  app.add_option("--batch,--batch-size", batch, "--data: windows per forward pass; --api: prompts per request (--tasks with --model: accepted; contexts are scored one at a time with their KV cache shared by their choices)")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--max-windows", max_windows, "--data: score only the first N windows (0 = all)")
      ->check(int_at_least<int64_t>(0))
      ->capture_default_str();
  app.add_option("--show", show, "--instructions: examples printed with question, answer and reply")
      ->check(int_at_least<int64_t>(0))
      ->capture_default_str();
  add_max_new_tokens_flag(app, max_new, "--instructions: most tokens generated per reply");
  add_older_name(app, "--max-new", max_new, int64_t(1), int64_t(1000000), "--max-new-tokens");
  app.add_option("--tokenizer", mf.tokenizer, "--instructions, --tasks: tokenizer SPEC (default: the model's tokenizer.json; with --api the served model's)");
  app.add_flag("--json", json_out, "--instructions, --reference: print one JSON object (--data alone always prints JSON)");
  std::string safety;
  app.add_option("--safety", safety, "--tasks: generate_until through the safety filter: default (naughty-words and PII) or a FILE of CATEGORY<TAB>PHRASE lines");
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  if (!reference_path.empty() && data_path.empty()) {
    std::fprintf(stderr, "lmforge eval: error: --reference compares the models over a token shard: pass --data SHARD\n");
    return kExitUsage;
  }
  if (data_path.empty() && inst_path.empty() && task_names.empty()) {
    std::fprintf(stderr, "lmforge eval: error: pass --data SHARD, --instructions FILE.jsonl or --tasks NAME[,NAME...]\n");
    return kExitUsage;
  }
  if (!to.api.url.empty() && task_names.empty()) {
    std::fprintf(stderr, "lmforge eval: error: --api scores --tasks\n");
    return kExitUsage;
  }
  if (to.api.url.empty() && mf.model_dir.empty()) {
    std::fprintf(stderr, "lmforge eval: error: --model DIR is required (or --api URL with --tasks)\n");
    return kExitUsage;
  }
  if (!to.api.url.empty() && mf.model_dir.empty() && mf.tokenizer.empty()) {
    std::fprintf(stderr, "lmforge eval: error: --api needs the served model's tokenizer: --tokenizer SPEC or --model DIR\n");
    return kExitUsage;
  }
  if (!to.api.url.empty() && to.api.model.empty()) {
    std::fprintf(stderr, "lmforge eval: error: --api needs --api-model NAME\n");
    return kExitUsage;
  }
  if (!to.decontaminate_against.empty() && task_names.empty()) {
    std::fprintf(stderr, "lmforge eval: error: --decontaminate-against applies to --tasks\n");
    return kExitUsage;
  }
  if (to.log_samples && to.output_path.empty()) {
    std::fprintf(stderr, "lmforge eval: error: --log-samples needs --output-path DIR\n");
    return kExitUsage;
  }
  apply_threads(threads);

  if (!safety.empty() && task_names.empty()) {
    std::fprintf(stderr, "lmforge eval: error: --safety applies to --tasks\n");
    return kExitUsage;
  }
  if (!task_names.empty()) {
    std::optional<eval::SafetyFilter> filter;
    if (!safety.empty()) filter.emplace(eval::SafetyFilter::load(safety));
    to.safety = filter ? &*filter : nullptr;
    to.model_dir = mf.model_dir;
    to.adapter_dir = mf.adapter_dir;
    to.tokenizer = mf.tokenizer;
    to.tasks = task_names;
    to.api.batch = batch;
    return run_task_eval(to);
  }

  if (!inst_path.empty()) {
    ft::InferenceModel m({mf.model_dir, mf.tokenizer, mf.adapter_dir});
    check_chat_template(mf.model_dir);
    fewshot.k = std::max<int64_t>(to.num_fewshot, 0);
    return run_instructions(m, inst_path, show, max_new, json_out, augment::FewshotPrompter(fewshot.options(to.seed)), cot);
  }
  Transformer model = load_model(mf.model_dir);
  std::unique_ptr<ft::PeftMethod> adapter = ft::attach_adapter(model, mf.adapter_dir);
  if (!reference_path.empty())
    return run_kl_divergence(model, mf.model_dir, reference_path, data_path, seq, batch, max_windows, json_out);
  eval::PerplexityResult r = eval::model_perplexity(model, data_path, seq, batch, max_windows);
  nlohmann::json out = {{"loss", r.loss}, {"ppl", r.ppl}, {"tokens", r.tokens}};
  std::printf("%s\n", out.dump().c_str());
  return 0;
}

Command reg("eval", "perplexity over a token shard, exact-match on instruction data, or lm-evaluation-harness tasks", run_eval);

}  // namespace
}  // namespace lmf::cli
