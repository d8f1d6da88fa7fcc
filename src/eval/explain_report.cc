#include "eval/explain_report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <vector>

#include "io/xml_escape.h"

namespace lmf::eval {
namespace {

using nlohmann::json;

std::string fmt(const char* f, double v) {
  char buf[64];
  std::snprintf(buf, sizeof buf, f, v);
  return buf;
}

// Exact enough to read back: 9 significant digits.
std::string exact(double v) { return fmt("%.9g", v); }

std::string rgb(double r, double g, double b) {
  auto c = [](double x) { return std::to_string(int(std::lround(std::clamp(x, 0.0, 255.0)))); };
  return "rgb(" + c(r) + "," + c(g) + "," + c(b) + ")";
}

// A token's text for display: whitespace made visible, at most `max` characters (UTF-8
// aware), "…" when cut.
std::string shown(const std::string& text, size_t max) {
  std::string out;
  size_t chars = 0;
  for (size_t i = 0; i < text.size();) {
    const unsigned char c = text[i];
    const size_t n = c < 0x80 ? 1 : c >= 0xF0 ? 4 : c >= 0xE0 ? 3 : c >= 0xC0 ? 2 : 1;
    if (chars == max) return out + "…";
    if (c == ' ') out += "␣";
    else if (c == '\n') out += "↵";
    else if (c == '\t') out += "⇥";
    else out.append(text, i, n);
    ++chars;
    i += n;
  }
  return out;
}

// UTF-8 characters in s (for padding columns).
size_t characters(const std::string& s) {
  size_t n = 0;
  for (unsigned char c : s) n += (c & 0xC0) != 0x80;
  return n;
}

struct Row {
  const char* key;    // JSON field / data-method
  const char* label;  // shown
  const std::vector<double>* values;
};

std::vector<Row> rows(const Explanation& e) {
  return {{"grad_x_input", "gradient × input", &e.grad_x_input},
          {"grad_norm", "gradient L2 norm", &e.grad_norm},
          {"rollout", "attention rollout", &e.rollout}};
}

double max_abs(const std::vector<double>& v) {
  double m = 0;
  for (double x : v) m = std::max(m, std::abs(x));
  return m;
}

json token_json(const Explanation& e, int32_t id) {
  const TokenName& n = e.names.at(id);
  return {{"id", id}, {"token", n.token}, {"text", n.text}};
}

std::string heading(const Explanation& e) {
  const TokenName& t = e.names.at(e.target);
  return "target '" + shown(t.text, 32) + "' (id " + std::to_string(e.target) + ", " +
         (e.target_given ? "given" : "the model's most probable next token") + "): log p = " +
         fmt("%.4f", e.target_logprob) + ", p = " + fmt("%.4f", std::exp(e.target_logprob));
}

}  // namespace

std::string attribution_color(double a) {
  a = std::clamp(a, -1.0, 1.0);
  const double fade = 255.0 * (1.0 - 0.7 * std::abs(a));
  return a >= 0 ? rgb(255, fade, fade) : rgb(fade, fade, 255);
}

std::string probability_color(double p) {
  p = std::clamp(p, 0.0, 1.0);
  return rgb(255.0 * (1 - 0.7 * p), 255.0 * (1 - 0.35 * p), 255.0 * (1 - 0.7 * p));
}

json explanation_json(const Explanation& e) {
  json tokens = json::array();
  for (size_t t = 0; t < e.ids.size(); ++t) {
    json j = token_json(e, e.ids[t]);
    j["position"] = t;
    j["grad_x_input"] = e.grad_x_input[t];
    j["grad_norm"] = e.grad_norm[t];
    j["rollout"] = e.rollout[t];
    tokens.push_back(j);
  }
  json lens = json::array();
  for (const LensLayer& L : e.lens) {
    json top = json::array();
    for (const LensToken& t : L.top) {
      json j = token_json(e, t.id);
      j["prob"] = t.prob;
      top.push_back(j);
    }
    lens.push_back({{"layer", L.layer}, {"top", top}, {"target_prob", L.target_prob}, {"target_rank", L.target_rank}});
  }
  json target = token_json(e, e.target);
  target["given"] = e.target_given;
  target["logprob"] = e.target_logprob;
  target["prob"] = std::exp(e.target_logprob);
  return {{"model_type", e.model_type}, {"prompt", e.prompt},       {"score", "log_probability"},
          {"target", target},           {"predicted", token_json(e, e.predicted)},
          {"tokens", tokens},           {"logit_lens", lens}};
}

std::string explanation_text(const Explanation& e) {
  std::string out = heading(e) + "\n\n";
  char line[512];
  std::snprintf(line, sizeof line, "%4s  %-16s %14s %14s %10s\n", "pos", "token", "grad x input", "grad norm", "rollout");
  out += line;
  for (size_t t = 0; t < e.ids.size(); ++t) {
    const std::string tok = "'" + shown(e.names.at(e.ids[t]).text, 12) + "'";
    std::snprintf(line, sizeof line, "%4zu  %s%*s %14.6f %14.6f %10.6f\n", t, tok.c_str(), std::max(0, 16 - int(characters(tok))), "",
                  e.grad_x_input[t], e.grad_norm[t], e.rollout[t]);
    out += line;
  }
  out += "\nlogit lens (the last position after each layer; layer 0 = the embeddings):\n";
  for (const LensLayer& L : e.lens) {
    out += "layer " + std::to_string(L.layer) + ":";
    for (const LensToken& t : L.top) out += " '" + shown(e.names.at(t.id).text, 12) + "' " + fmt("%.3f", t.prob);
    out += "  | target p = " + fmt("%.4f", L.target_prob) + " (rank " + std::to_string(L.target_rank) + ")\n";
  }
  return out;
}

std::string explanation_svg(const Explanation& e) {
  constexpr int kCellW = 76, kLensW = 132, kCellH = 26, kLabelW = 150, kPerLine = 14, kPad = 12;
  const int T = int(e.ids.size()), K = e.lens.empty() ? 0 : int(e.lens[0].top.size());
  const int lines = (T + kPerLine - 1) / kPerLine, R = int(rows(e).size());
  const int attr_h = lines * (R * kCellH + kPad);
  const int lens_top = 50 + attr_h + 30;
  const int width = std::max(780, kLabelW + std::max(std::min(T, kPerLine) * kCellW, K * kLensW) + 2 * kPad);
  const int height = lens_top + 20 + int(e.lens.size()) * kCellH + kPad;
  std::string s = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(width) + "\" height=\"" +
                  std::to_string(height) + "\" viewBox=\"0 0 " + std::to_string(width) + " " + std::to_string(height) +
                  "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  s += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  s += "<text class=\"title\" x=\"" + std::to_string(kPad) + "\" y=\"22\" font-size=\"15\">" + io::xml_escape(heading(e)) +
       "</text>\n";
  s += "<text class=\"subtitle\" x=\"" + std::to_string(kPad) +
       "\" y=\"40\" fill=\"#555\">attribution to the target's log-probability; each row scaled by its largest "
       "magnitude (red +, blue −)</text>\n";
  auto cell = [&](int x, int y, int w, const std::string& fill, const std::string& attrs, const std::string& label,
                  const std::string& tip) {
    s += "<g" + attrs + "><rect x=\"" + std::to_string(x) + "\" y=\"" + std::to_string(y) + "\" width=\"" +
         std::to_string(w - 2) + "\" height=\"" + std::to_string(kCellH - 2) + "\" fill=\"" + fill +
         "\" stroke=\"#ccc\"/><text x=\"" + std::to_string(x + 4) + "\" y=\"" + std::to_string(y + 16) + "\">" +
         io::xml_escape(label) + "</text><title>" + io::xml_escape(tip) + "</title></g>\n";
  };
  const std::vector<Row> rs = rows(e);
  for (int line = 0; line < lines; ++line)
    for (int r = 0; r < R; ++r) {
      const int y = 50 + line * (R * kCellH + kPad) + r * kCellH;
      s += "<text class=\"rowlabel\" x=\"" + std::to_string(kPad) + "\" y=\"" + std::to_string(y + 16) + "\">" +
           io::xml_escape(rs[size_t(r)].label) + "</text>\n";
      const std::vector<double>& v = *rs[size_t(r)].values;
      const double m = max_abs(v);
      for (int t = line * kPerLine; t < std::min(T, (line + 1) * kPerLine); ++t) {
        const double a = m > 0 ? v[size_t(t)] / m : 0.0;
        const std::string& text = e.names.at(e.ids[size_t(t)]).text;
        cell(kLabelW + (t - line * kPerLine) * kCellW, y, kCellW, attribution_color(a),
             " class=\"cell\" data-method=\"" + std::string(rs[size_t(r)].key) + "\" data-position=\"" +
                 std::to_string(t) + "\" data-id=\"" + std::to_string(e.ids[size_t(t)]) + "\" data-value=\"" +
                 exact(v[size_t(t)]) + "\"",
             shown(text, 9), "'" + text + "' (position " + std::to_string(t) + "): " + exact(v[size_t(t)]));
      }
    }
  s += "<text class=\"subtitle\" x=\"" + std::to_string(kPad) + "\" y=\"" + std::to_string(lens_top) +
       "\" fill=\"#555\">logit lens: the top tokens at the last position after each layer (green: probability)</text>\n";
  for (size_t l = 0; l < e.lens.size(); ++l) {
    const LensLayer& L = e.lens[l];
    const int y = lens_top + 10 + int(l) * kCellH;
    s += "<text class=\"rowlabel\" x=\"" + std::to_string(kPad) + "\" y=\"" + std::to_string(y + 16) + "\">" +
         (L.layer == 0 ? std::string("embeddings") : "layer " + std::to_string(L.layer)) + "</text>\n";
    for (size_t k = 0; k < L.top.size(); ++k) {
      const LensToken& t = L.top[k];
      const std::string& text = e.names.at(t.id).text;
      cell(kLabelW + int(k) * kLensW, y, kLensW, probability_color(t.prob),
           " class=\"lens\" data-layer=\"" + std::to_string(L.layer) + "\" data-rank=\"" + std::to_string(k + 1) +
               "\" data-id=\"" + std::to_string(t.id) + "\" data-prob=\"" + exact(t.prob) + "\"",
           shown(text, 10) + " " + fmt("%.3f", t.prob), "'" + text + "': p = " + exact(t.prob));
    }
  }
  return s + "</svg>\n";
}

std::string explanation_html(const Explanation& e) {
  std::string h =
      "<!DOCTYPE html>\n<html lang=\"en\">\n<head>\n<meta charset=\"utf-8\">\n<title>lmforge explain</title>\n<style>\n"
      "body { font-family: sans-serif; margin: 2em; max-width: 70em; color: #222; }\n"
      ".tokens { line-height: 2.2; font-family: monospace; font-size: 15px; }\n"
      ".tok { padding: 3px 1px; border-radius: 3px; white-space: pre; border: 1px solid #ddd; }\n"
      "table { border-collapse: collapse; font-family: monospace; }\n"
      "td, th { border: 1px solid #ccc; padding: 3px 8px; text-align: left; white-space: pre; }\n"
      ".note { color: #555; }\n</style>\n</head>\n<body>\n";
  h += "<h1>Why this next token?</h1>\n<p><b>Prompt:</b> " + io::xml_escape(e.prompt) + "</p>\n<p><b>" + io::xml_escape(heading(e)) +
       "</b></p>\n";
  h += "<p class=\"note\">Score: the log-probability of the target at the last position. Each row is scaled by its "
       "largest magnitude; red is positive, blue negative. Hover over a token for its value.</p>\n";
  for (const Row& r : rows(e)) {
    const double m = max_abs(*r.values);
    h += "<h2>" + io::xml_escape(r.label) + "</h2>\n<div class=\"tokens\" data-method=\"" + std::string(r.key) + "\">";
    for (size_t t = 0; t < e.ids.size(); ++t) {
      const double v = (*r.values)[t];
      const std::string& text = e.names.at(e.ids[t]).text;
      h += "<span class=\"tok\" data-position=\"" + std::to_string(t) + "\" data-value=\"" + exact(v) +
           "\" style=\"background:" + attribution_color(m > 0 ? v / m : 0.0) + "\" title=\"" +
           io::xml_escape("'" + text + "': " + exact(v)) + "\">" + io::xml_escape(text) + "</span>";
    }
    h += "</div>\n";
  }
  h += "<h2>Logit lens</h2>\n<p class=\"note\">The residual stream at the last position after each layer, through the "
       "final norm and the LM head: the most probable next tokens (green: probability), and the target's probability "
       "and rank.</p>\n<table>\n<tr><th>layer</th>";
  const size_t K = e.lens.empty() ? 0 : e.lens[0].top.size();
  for (size_t k = 0; k < K; ++k) h += "<th>#" + std::to_string(k + 1) + "</th>";
  h += "<th>target p</th><th>target rank</th></tr>\n";
  for (const LensLayer& L : e.lens) {
    h += "<tr class=\"lens\" data-layer=\"" + std::to_string(L.layer) + "\"><td>" +
         (L.layer == 0 ? std::string("embeddings") : std::to_string(L.layer)) + "</td>";
    for (const LensToken& t : L.top)
      h += "<td data-id=\"" + std::to_string(t.id) + "\" data-prob=\"" + exact(t.prob) + "\" style=\"background:" +
           probability_color(t.prob) + "\">" + io::xml_escape(shown(e.names.at(t.id).text, 16)) + " " + fmt("%.3f", t.prob) +
           "</td>";
    h += "<td>" + fmt("%.4f", L.target_prob) + "</td><td>" + std::to_string(L.target_rank) + "</td></tr>\n";
  }
  h += "</table>\n<p class=\"note\">Gradient × input: Σ over channels of the token embedding times the gradient of the "
       "score with respect to it. Attention rollout (Abnar &amp; Zuidema 2020): head-averaged attention mixed half and "
       "half with the identity, multiplied over the layers; the last position's row. Made by lmforge explain.</p>\n";
  return h + "</body>\n</html>\n";
}

}  // namespace lmf::eval
