// lmforge embed senses: do a model's vectors of a word tell its senses apart? (the survey's
// homonym example: a biLM's contextual vectors against word2vec's one vector a word).
// `lmforge embed` hands its arguments here when the first is "senses".
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/embed_senses.h"

#include "cli/command.h"
#include "cli/flags.h"
#include "eval/harness.h"
#include "eval/sense_vectors.h"

namespace lmf::cli {

int run_embed_senses(int argc, char** argv) {
  CLI::App app{"Sense separation of words with two senses: for each word, the mean cosine similarity of its vectors "
               "at occurrences of the same sense and of different senses, and a leave-one-out nearest-centroid sense "
               "accuracy (docs/rnn.md)",
               "lmforge embed senses"};
  std::vector<std::string> models;
  std::string contexts, layer = "top";
  bool as_json = false;
  int threads = 0;
  app.add_option("--model", models,
                 "a biLM model directory (`train --arch bilm`: contextual vectors) or a word2vec vectors file "
                 "(`train --arch word2vec`: one vector a word); repeat to compare")
      ->required();
  app.add_option("--contexts", contexts,
                 "JSONL of labelled occurrences {word, sense, text, start, end} (default: the built-in "
                 "homonym_senses/contexts.jsonl of the tasks folder)");
  app.add_option("--layer", layer,
                 "a biLM's representation: top (its last LSTM layer), mix (its learned layer mix, as `embed "
                 "--per-token`) or a layer number (0: the token embedding, which ignores the context)")
      ->check(CLI::Validator(
          [](std::string& in) -> std::string {
            try {
              eval::BiLmLayer::parse(in);
              return "";
            } catch (const std::exception& e) {
              return e.what();
            }
          },
          "", ""))
      ->capture_default_str();
  app.add_flag("--json", as_json, "print the reports as JSON");
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  if (contexts.empty()) contexts = eval::default_tasks_dir() + "/homonym_senses/contexts.jsonl";

  const std::vector<eval::ModelSenseReport> reports = eval::compare_senses(models, contexts, eval::BiLmLayer::parse(layer));
  if (as_json) {
    nlohmann::ordered_json j = {{"contexts", contexts}, {"models", nlohmann::ordered_json::array()}};
    for (const eval::ModelSenseReport& r : reports) {
      nlohmann::ordered_json m = {{"model", r.model}, {"kind", r.kind}, {"dim", r.dim}};
      m.update(eval::sense_report_json(r.report));
      j["models"].push_back(m);
    }
    std::printf("%s\n", j.dump(2).c_str());
    return 0;
  }
  for (const eval::ModelSenseReport& r : reports) {
    std::printf("%s (%s, %lld dims)\n", r.model.c_str(), r.kind.c_str(), (long long)r.dim);
    std::printf("  %-12s %-28s %7s %7s %10s %8s\n", "word", "senses (occurrences)", "same", "cross", "separation",
                "accuracy");
    for (const eval::WordSenseScores& w : r.report.words) {
      std::string senses;
      for (const auto& [s, n] : w.senses) senses += (senses.empty() ? "" : ", ") + s + " " + std::to_string(n);
      std::printf("  %-12s %-28s %7.3f %7.3f %10.3f %8.3f\n", w.word.c_str(), senses.c_str(), w.same, w.cross,
                  w.separation, w.accuracy);
    }
    std::printf("  %-12s %-28s %7.3f %7.3f %10.3f %8.3f   (%lld of %zu words: same > cross)\n", "mean", "", r.report.same,
                r.report.cross, r.report.separation, r.report.accuracy, (long long)r.report.separated,
                r.report.words.size());
  }
  return 0;
}

}  // namespace lmf::cli
