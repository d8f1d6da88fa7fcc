// lmforge data run, data STAGE, data dedup-merge and data classifier train: the flags of
// the pretraining data pipeline (docs/pipeline.md). The work is the library's: a pipeline
// file and its tokenize step (data/pipeline/pipeline_file.h), the stages by name
// (stage_factory.h), the run that writes OUT/kept.jsonl, OUT/removed.jsonl and
// OUT/report.json and checks documents in = kept + removed (runner.h), the classifier's
// training (quality_classifier.h); under mpirun `data run` spreads over the ranks
// (dist/sharded_pipeline.h). Here: flags in, the report's summary out on stderr.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.h"
#include "cli/flags.h"
#include "core/error.h"
#include "data/pipeline/dedup.h"
#include "data/pipeline/pipeline_file.h"
#include "data/pipeline/quality_classifier.h"
#include "data/pipeline/runner.h"
#include "data/pipeline/stage_factory.h"
#include "dist/comm.h"
#include "dist/sharded_pipeline.h"

namespace lmf::cli {
namespace {

namespace dp = data::pipeline;

struct CommonFlags {
  dp::RunOptions run;
  std::string text_unit = "file", invalid_utf8 = "repair", shard = "0/1";
  bool quiet = false;
};

void add_common(CLI::App& app, CommonFlags& f) {
  app.add_option("--input", f.run.inputs, "JSONL or text files or folders (.gz/.zst read as compressed)")
      ->required()
      ->expected(1, -1);
  app.add_option("--out", f.run.out_dir, "output directory: kept.jsonl, removed.jsonl, report.json")->required();
  app.add_option("--text-field", f.run.text_field, "JSONL field holding the text")->capture_default_str();
  app.add_option("--text-unit", f.text_unit, "text files: one document per 'file' or per 'paragraph' (blank-line block)")
      ->capture_default_str()
      ->check(CLI::IsMember({"file", "paragraph"}));
  app.add_option("--invalid-utf8", f.invalid_utf8, "'repair' (U+FFFD) or 'remove' documents with invalid UTF-8")
      ->capture_default_str()
      ->check(CLI::IsMember({"repair", "remove"}));
  app.add_option("--ext", f.run.extensions, "read only files ending so from folders (e.g. .jsonl .txt; default all)")
      ->expected(1, -1);
  add_threads_flag(app, f.run.threads);
  app.add_option("--shard", f.shard, "I/N: process only documents whose index % N == I")->capture_default_str();
  app.add_flag("--quiet", f.quiet, "no progress or summary on stderr");
}

void finish_common(CommonFlags& f) {
  apply_threads(f.run.threads);
  f.run.text_unit = f.text_unit == "paragraph" ? dp::TextUnit::paragraph : dp::TextUnit::file;
  f.run.repair_utf8 = f.invalid_utf8 == "repair";
  f.run.progress = !f.quiet;
  const auto slash = f.shard.find('/');
  try {
    if (slash == std::string::npos) throw std::invalid_argument("no /");
    f.run.shard_index = std::stoi(f.shard.substr(0, slash));
    f.run.shard_count = std::stoi(f.shard.substr(slash + 1));
  } catch (const std::exception&) {
    throw Error("--shard " + f.shard + ": expected I/N, e.g. 0/4");
  }
}

int run_and_print(const std::vector<std::unique_ptr<dp::Stage>>& stages, CommonFlags& f) {
  auto r = dp::run_pipeline(stages, f.run);
  if (!f.quiet) std::fprintf(stderr, "%s", dp::format_report(r.report).c_str());
  return 0;
}

// --set KEY=VALUE pairs as a JSON object; VALUE is parsed as JSON when it is JSON, else a string.
nlohmann::json settings_from(const std::vector<std::string>& pairs) {
  nlohmann::json j = nlohmann::json::object();
  for (auto& p : pairs) {
    const auto eq = p.find('=');
    if (eq == std::string::npos || eq == 0) throw Error("--set " + p + ": expected KEY=VALUE");
    const std::string v = p.substr(eq + 1);
    nlohmann::json parsed = nlohmann::json::parse(v, nullptr, false);
    j[p.substr(0, eq)] = parsed.is_discarded() ? nlohmann::json(v) : parsed;
  }
  return j;
}

int run_data_run(int argc, char** argv) {
  CLI::App app{"Run a data pipeline described by a JSON file", "lmforge data run"};
  CommonFlags f;
  std::string pipeline;
  app.add_option("--pipeline", pipeline,
                 "pipeline JSON: {\"stages\": [{\"stage\": NAME, ...}, ...]}, optionally ending with "
                 "{\"stage\": \"tokenize\", \"tokenizer\": SPEC}")
      ->required();
  add_common(app, f);
  LMF_PARSE(app, argc, argv);
  finish_common(f);
  const auto r = dist::run_pipeline_file_ranks(pipeline, f.run);  // across the ranks under mpirun
  if (f.quiet || !dist::world().is_root()) return 0;
  std::fprintf(stderr, "%s", dp::format_report(r.run.report).c_str());
  if (r.tokens)
    std::fprintf(stderr, "  tokenize       %lld documents -> %s: %lld train + %lld val tokens\n",
                 (long long)r.tokens->documents, r.tokens_dir.c_str(), (long long)r.tokens->train_tokens,
                 (long long)r.tokens->val_tokens);
  return 0;
}

int run_single_stage(const std::string& stage, int argc, char** argv) {
  CLI::App app{"Run the " + stage + " stage alone (settings as in docs/pipeline.md)", "lmforge data " + stage};
  CommonFlags f;
  std::vector<std::string> sets;
  app.add_option("--set", sets, "KEY=VALUE stage setting (repeatable)");
  add_common(app, f);
  LMF_PARSE(app, argc, argv);
  finish_common(f);
  std::vector<std::unique_ptr<dp::Stage>> stages;
  stages.push_back(dp::make_stage(stage, settings_from(sets)));
  return run_and_print(stages, f);
}

Command reg_run("data run", "run a data pipeline (JSON) over documents", run_data_run);
Command reg_normalize("data normalize", "Unicode NFC/NFKC and whitespace cleanup",
                      [](int c, char** v) { return run_single_stage("normalize", c, v); });
Command reg_filter("data filter", "Gopher quality/repetition and C4 rules",
                   [](int c, char** v) { return run_single_stage("filter", c, v); });
Command reg_pii("data pii", "replace e-mails, phones, IPs, cards, SSNs, secrets by placeholders",
                [](int c, char** v) { return run_single_stage("pii", c, v); });
Command reg_dedup("data dedup", "exact and MinHash near-duplicate removal across the corpus",
                  [](int c, char** v) { return run_single_stage("dedup", c, v); });
int run_dedup_merge(int argc, char** argv) {
  CLI::App app{"Merge the dedup signatures of sharded runs into one list of removals", "lmforge data dedup-merge"};
  std::vector<std::string> files, sets;
  std::string out;
  app.add_option("--signatures", files, "signature files written by dedup with signatures_out")->required()->expected(1, -1);
  app.add_option("--out", out, "removals (JSONL) for the shards' second pass (dedup with removals)")->required();
  app.add_option("--set", sets, "KEY=VALUE dedup setting, as in the first pass (repeatable)");
  LMF_PARSE(app, argc, argv);
  auto rep = dp::merge_dedup_signatures(files, dp::DedupOptions::from_json(settings_from(sets)), out);
  std::fprintf(stderr, "%s\n", rep.dump(2).c_str());
  return 0;
}

Command reg_dedup_merge("data dedup-merge", "merge sharded dedup signatures into removals", run_dedup_merge);
Command reg_decontaminate("data decontaminate", "remove documents sharing a 13-gram with evaluation sets",
                          [](int c, char** v) { return run_single_stage("decontaminate", c, v); });
Command reg_classify("data classify", "score documents with a quality classifier, keep those above a threshold",
                     [](int c, char** v) { return run_single_stage("classify", c, v); });

int run_classifier(int argc, char** argv) {
  CLI::App app{"Train the quality classifier (hashed word and bigram features, softmax, SGD)",
               "lmforge data classifier train"};
  std::vector<std::string> pos, neg;
  std::string out, field = "text";
  dp::ClassifierTrainOptions o;
  app.add_option("--positive", pos, "high-quality documents (files or folders, JSONL or text)")->required()->expected(1, -1);
  app.add_option("--negative", neg, "low-quality documents")->required()->expected(1, -1);
  app.add_option("--out", out, "model file (safetensors)")->required();
  app.add_option("--text-field", field, "JSONL field holding the text")->capture_default_str();
  app.add_option("--epochs", o.epochs, "passes over the data")->capture_default_str();
  app.add_option("--lr", o.lr, "initial learning rate (decays linearly to 0)")->capture_default_str();
  app.add_option("--buckets", o.buckets, "hash buckets for word and bigram features")->capture_default_str();
  app.add_option("--word-ngrams", o.word_ngrams, "longest word n-gram feature")->capture_default_str();
  LMF_PARSE(app, argc, argv);
  dp::ClassifierTrainReport rep;
  const auto model = dp::train_classifier_on_files(pos, neg, field, o, &rep);
  model.save(out);
  std::fprintf(stderr, "trained on %zu positive and %zu negative documents; training accuracy %.4f; saved %s\n",
               rep.positive, rep.negative, rep.accuracy, out.c_str());
  return 0;
}

Command reg_classifier("data classifier train", "train the quality classifier used by 'data classify'", run_classifier);

}  // namespace
}  // namespace lmf::cli
