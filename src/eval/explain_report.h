// The forms an Explanation (eval/explain.h) is read in: JSON, a text table for the
// terminal, a standalone SVG heatmap and a self-contained HTML page (inline CSS, no
// scripts, nothing fetched), with the same numbers in each.
//
// Shading: a row of attributions is scaled by its largest magnitude m, a = v / m. A
// positive a shades its cell red, rgb(255, 255·(1 − 0.7a), 255·(1 − 0.7a)); a negative
// one blue, rgb(255·(1 − 0.7|a|), 255·(1 − 0.7|a|), 255); so the strongest token of each
// row is the darkest and the sign of gradient × input shows. A logit-lens cell is shaded
// green by its probability p itself (not scaled): rgb(255·(1 − 0.7p), 255·(1 − 0.35p),
// 255·(1 − 0.7p)). In the SVG every cell carries its exact value as data-value (and
// data-prob, data-id for the lens), and a <title> that a browser shows on hover.
#pragma once
#include <string>

#include <nlohmann/json.hpp>

#include "eval/explain.h"

namespace lmf::eval {

// {"model_type", "prompt", "score": "log_probability",
//  "target": {"id", "token", "text", "given", "logprob", "prob"},
//  "predicted": {"id", "token", "text"},
//  "tokens": [{"position", "id", "token", "text", "grad_x_input", "grad_norm", "rollout"}],
//  "logit_lens": [{"layer", "top": [{"id", "token", "text", "prob"}], "target_prob", "target_rank"}]}
nlohmann::json explanation_json(const Explanation& e);
std::string explanation_text(const Explanation& e);
std::string explanation_svg(const Explanation& e);
std::string explanation_html(const Explanation& e);

// The fill of a cell with scaled value a in [−1, 1] (attributions) / probability p.
std::string attribution_color(double a);
std::string probability_color(double p);

}  // namespace lmf::eval
