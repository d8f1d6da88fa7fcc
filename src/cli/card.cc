// lmforge card: write a model's README.md, a Hugging Face model card made only from the
// files lmforge wrote (eval/model_card.h, docs/model_card.md): the model directory, the
// earlier runs it came from, the data pipeline's report and evaluation results files.
#include <CLI/CLI.hpp>
#include <cstdio>
#include <nlohmann/json.hpp>

#include "cli/command.h"
#include "eval/model_card.h"

namespace lmf::cli {
namespace {

int run_card(int argc, char** argv) {
  CLI::App app{"Write a model card (README.md with Hugging Face metadata) from the files beside a model and its runs",
               "lmforge card"};
  eval::ModelCardOptions o;
  eval::ModelCardInputs& in = o.inputs;
  bool json = false;
  app.add_option("--model", in.model_dir, "model (or PEFT adapter) directory")->required();
  app.add_option("--data-report", in.data_report, "the data pipeline's report.json (`lmforge data run`)");
  app.add_option("--eval", in.eval_results, "lm-evaluation-harness results files (`lmforge eval --tasks --output-path`)")
      ->expected(1, -1);
  app.add_option("--stage", in.stage_dirs,
                 "earlier run directories the model was made from, oldest first (e.g. the pretraining run of a "
                 "fine-tuned model)")
      ->expected(1, -1);
  app.add_option("--base-model", in.base_model,
                 "the model this one was made from, as a Hub id or path (default: adapter_config.json's, else unknown)");
  app.add_option("--license", in.license, "license id (Hugging Face's list; default unknown)");
  app.add_option("--intended-use", in.intended_use_file, "Markdown file stating the intended use");
  app.add_option("--limitations", in.limitations_file, "Markdown file stating the limitations");
  app.add_option("--out", o.out, "where to write the card (default MODEL/README.md)");
  app.add_flag("--json", json, "print the facts the card was made from as JSON on stdout");
  LMF_PARSE(app, argc, argv);
  const eval::ModelCard card = eval::write_model_card(o);
  if (json) {
    nlohmann::ordered_json j = {{"card", card.path}, {"unknown", card.unknown}, {"facts", card.facts}};
    std::printf("%s\n", j.dump(2, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  std::printf("wrote %s\n", card.path.c_str());
  if (!card.unknown.empty()) {
    std::string u;
    for (const auto& x : card.unknown) u += (u.empty() ? "" : ", ") + x;
    std::printf("unknown (no file states it): %s\n", u.c_str());
  }
  return 0;
}

Command reg("card", "write a model card (README.md) from the model's files, data report and eval results", run_card);

}  // namespace
}  // namespace lmf::cli
