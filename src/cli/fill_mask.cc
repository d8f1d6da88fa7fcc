// lmforge fill-mask --model DIR --text "The [MASK] said" [--top-k 5] [--json]: the likeliest
// tokens at each [MASK] of a text from a BERT model directory (models/bert_fill_mask.h);
// --json prints what Hugging Face's fill-mask pipeline returns, otherwise a table.
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.h"
#include "cli/flags.h"
#include "models/bert_fill_mask.h"

namespace lmf::cli {
namespace {

int run_fill_mask(int argc, char** argv) {
  CLI::App app{"Predict the tokens at each [MASK] of a text with a BERT model (the text wrapped [CLS] ... [SEP]); "
               "--json prints Hugging Face's fill-mask pipeline output: a list of {score, token, token_str, "
               "sequence} for one mask, a list of such lists for several",
               "lmforge fill-mask"};
  std::string model_dir, tokenizer, text;
  int64_t top_k = 5;
  bool as_json = false;
  int threads = 0;
  app.add_option("--model", model_dir, "BERT model directory (config.json, model.safetensors, tokenizer.json)")->required();
  app.add_option("--tokenizer", tokenizer, "tokenizer SPEC (default: the model's own)");
  app.add_option("--text", text, "the text, with one or more [MASK]")->required();
  app.add_option("--top-k", top_k, "candidates a mask")->check(int_range<int64_t>(1, 1000000))->capture_default_str();
  app.add_flag("--json", as_json, "print the pipeline's JSON instead of a table");
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  const models::FillMasker fm(model_dir, tokenizer);
  const auto masks = fm.fill(text, top_k);
  if (as_json) {
    std::printf("%s\n", models::fill_mask_json(masks).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
    return 0;
  }
  for (size_t m = 0; m < masks.size(); ++m) {
    if (masks.size() > 1) std::printf("%s[MASK] %zu\n", m ? "\n" : "", m + 1);
    std::printf("%-4s %-9s %-8s %-16s %s\n", "rank", "score", "token", "token_str", "sequence");
    for (size_t i = 0; i < masks[m].size(); ++i) {
      const models::FillMaskCandidate& c = masks[m][i];
      std::printf("%-4zu %-9.5f %-8d %-16s %s\n", i + 1, c.score, c.token, nlohmann::json(c.token_str).dump().c_str(),
                  c.sequence.c_str());
    }
  }
  return 0;
}

Command reg("fill-mask", "the likeliest tokens at each [MASK] of a text, from a BERT model", run_fill_mask);

}  // namespace
}  // namespace lmf::cli
