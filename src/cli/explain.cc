// lmforge explain: why a model predicts its next token — the attribution of the
// prediction to each prompt token (gradient × input, attention rollout) and the logit
// lens (the top tokens after each layer), printed as a table or JSON and written as an
// HTML page and/or an SVG heatmap (eval/explain.h, eval/explain_report.h, docs/explain.md).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.h"
#include "cli/flags.h"
#include "eval/explain.h"
#include "eval/explain_report.h"
#include "finetune/inference_model.h"
#include "io/atomic_file.h"

namespace lmf::cli {
namespace {

int run_explain(int argc, char** argv) {
  CLI::App app{"Explain a next-token prediction: per-token attribution and the logit lens", "lmforge explain"};
  ModelFlags mf;
  eval::ExplainOptions o;
  std::string html, svg;
  bool as_json = false;
  int threads = 0;
  add_model_flags(app, mf);
  app.add_option("--prompt", o.prompt, "prompt text, encoded as `lmforge generate` encodes it (no special tokens)")
      ->required();
  app.add_option("--target", o.target, "the token whose log-probability is explained: a tokenizer.json vocabulary "
                                       "string (e.g. \"Ġthe\") or the text of one token (default: the most probable "
                                       "next token)");
  app.add_option("--top", o.top_k, "tokens listed per layer in the logit lens")
      ->check(int_range<int64_t>(1, 1000))
      ->capture_default_str();
  app.add_flag("--json", as_json, "print the explanation as one JSON object instead of a table");
  app.add_option("--html", html, "write a self-contained HTML page (tokens shaded by each attribution, the logit lens)");
  app.add_option("--svg", svg, "write the heatmap as a standalone SVG");
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);

  ft::InferenceModel m({mf.model_dir, mf.tokenizer, mf.adapter_dir});
  const eval::Explanation e = eval::explain(m.model, m.tokenizer, o);
  if (!html.empty()) io::write_text_atomic(html, eval::explanation_html(e));
  if (!svg.empty()) io::write_text_atomic(svg, eval::explanation_svg(e));
  if (as_json) std::printf("%s\n", eval::explanation_json(e).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace).c_str());
  else std::fputs(eval::explanation_text(e).c_str(), stdout);
  return 0;
}

Command reg("explain", "attribute a next-token prediction to the prompt tokens; the logit lens", run_explain);

}  // namespace
}  // namespace lmf::cli
