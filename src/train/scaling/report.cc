#include "train/scaling/report.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <filesystem>

#include "core/error.h"
#include "io/atomic_file.h"
#include "train/scaling/plot.h"

namespace fs = std::filesystem;

namespace lmf::train::scaling {
namespace {

// Published values (Kaplan et al. 2020, eq. 1.1 / table; Hoffmann et al. 2022, eq. 10 and D.2).
constexpr double kKaplanAlphaN = 0.076, kKaplanNc = 8.8e13;
constexpr double kHoffE = 1.69, kHoffA = 406.4, kHoffB = 410.7, kHoffAlpha = 0.34, kHoffBeta = 0.28;

std::string fmt(const char* f, double v) {
  char b[64];
  std::snprintf(b, sizeof b, f, v);
  return b;
}

}  // namespace

ScalingReport analyze(std::vector<Point> points, const AnalysisOptions& opt) {
  ScalingReport r;
  r.points = std::move(points);
  r.grid = opt.grid;
  r.fit = fit_chinchilla(r.points, opt.grid);
  r.kaplan = fit_kaplan(r.points);
  double budget = opt.budget;
  if (budget <= 0)
    for (const Point& p : r.points) budget = std::max(budget, 6 * p.N * p.D);
  r.optimal.C = budget;
  try {
    r.optimal = compute_optimal(r.fit, budget);
  } catch (const Error& e) {
    r.optimal_error = e.what();
  }
  return r;
}

nlohmann::ordered_json report_json(const ScalingReport& r) {
  nlohmann::ordered_json j;
  j["points"] = nlohmann::ordered_json::array();
  for (const Point& p : r.points) j["points"].push_back({{"N", p.N}, {"D", p.D}, {"loss", p.loss}});
  j["chinchilla"] = {{"E", r.fit.E},          {"A", r.fit.A},           {"B", r.fit.B},
                     {"alpha", r.fit.alpha},  {"beta", r.fit.beta},     {"objective", r.fit.objective},
                     {"starts", r.fit.starts}, {"converged", r.fit.converged}, {"grid", r.grid},
                     {"huber_delta", kHuberDelta}};
  j["kaplan"] = {{"alpha_N", r.kaplan.alpha_N},
                 {"N_c", std::isfinite(r.kaplan.N_c) ? nlohmann::ordered_json(r.kaplan.N_c) : nlohmann::ordered_json()},
                 {"points", r.kaplan.used.size()}};
  if (r.optimal_error.empty())
    j["optimal"] = {{"C", r.optimal.C}, {"N", r.optimal.N}, {"D", r.optimal.D}, {"loss", r.optimal.loss},
                    {"tokens_per_parameter", r.optimal.tokens_per_parameter()}};
  else
    j["optimal"] = {{"C", r.optimal.C}, {"error", r.optimal_error}};
  j["published"] = {{"kaplan", {{"alpha_N", kKaplanAlphaN}, {"N_c", kKaplanNc}}},
                    {"hoffmann", {{"E", kHoffE}, {"A", kHoffA}, {"B", kHoffB}, {"alpha", kHoffAlpha}, {"beta", kHoffBeta}}}};
  return j;
}

void write_report(const ScalingReport& r, const std::string& out_dir) {
  fs::create_directories(out_dir);
  io::write_text_atomic(out_dir + "/fit.json", report_json(r).dump(2) + "\n");
  io::write_text_atomic(out_dir + "/scaling.svg", scaling_svg(r.points, r.fit, r.kaplan));
}

std::string format_report(const ScalingReport& r) {
  std::string s;
  char line[256];
  std::snprintf(line, sizeof line, "%-10s %12s %12s %10s\n", "size", "N", "D", "val loss");
  s += line;
  std::vector<const Point*> sorted;
  for (const Point& p : r.points) sorted.push_back(&p);
  std::sort(sorted.begin(), sorted.end(), [](auto* a, auto* b) { return a->N != b->N ? a->N < b->N : a->D < b->D; });
  for (const Point* p : sorted) {
    const std::string size = p->row.contains("size") && p->row["size"].is_string() ? p->row["size"].get<std::string>() : "-";
    std::snprintf(line, sizeof line, "%-10s %12.0f %12.0f %10.4f\n", size.c_str(), p->N, p->D, p->loss);
    s += line;
  }
  s += "\nL(N, D) = E + A/N^alpha + B/D^beta (Hoffmann et al. 2022, approach 3; Huber delta 1e-3 on log-loss, L-BFGS from " +
       std::to_string(r.fit.starts) + " starts, grid " + r.grid + ")\n";
  std::snprintf(line, sizeof line, "  %-8s %12s %12s\n", "", "fitted", "published");
  s += line;
  for (auto [name, got, pub] : {std::tuple{"E", r.fit.E, kHoffE}, std::tuple{"A", r.fit.A, kHoffA},
                                std::tuple{"B", r.fit.B, kHoffB}, std::tuple{"alpha", r.fit.alpha, kHoffAlpha},
                                std::tuple{"beta", r.fit.beta, kHoffBeta}}) {
    std::snprintf(line, sizeof line, "  %-8s %12.4g %12.4g\n", name, got, pub);
    s += line;
  }
  s += "L(N) = (N_c/N)^alpha_N (Kaplan et al. 2020; least squares in log space on each size's most-trained point)\n";
  std::snprintf(line, sizeof line, "  %-8s %12.4g %12.4g\n  %-8s %12.4g %12.4g\n", "alpha_N", r.kaplan.alpha_N, kKaplanAlphaN,
                "N_c", r.kaplan.N_c, kKaplanNc);
  s += line;
  if (r.optimal_error.empty()) {
    s += "compute-optimal for C = " + fmt("%.3g", r.optimal.C) + " FLOPs (C = 6ND): N = " + fmt("%.4g", r.optimal.N) +
         ", D = " + fmt("%.4g", r.optimal.D) + " tokens (" + fmt("%.3g", r.optimal.tokens_per_parameter()) +
         " tokens per parameter; Hoffmann et al.: about 20), predicted loss " + fmt("%.4f", r.optimal.loss) + "\n";
  } else {
    s += "compute-optimal for C = " + fmt("%.3g", r.optimal.C) + " FLOPs: " + r.optimal_error + "\n";
  }
  s += "note: the published exponents come from models of 1e7 to 1e10 parameters and 1e9 to 1e12 tokens,\n"
       "  losses in a tokenizer and corpus of their own; a tiny grid spans a decade or two of N and D and\n"
       "  stops far from convergence, so its exponents carry large errors and depend on the learning rate\n"
       "  and schedule. It shows the form (loss falling as a power of size and data, an irreducible floor)\n"
       "  and the method, not the published values; E, A and B are not comparable across tokenizers.\n";
  return s;
}

ScalingReport fit_points_file(const std::string& points_path, const std::string& out_dir, const AnalysisOptions& opt) {
  ScalingReport r = analyze(read_points(points_path), opt);
  if (!out_dir.empty()) write_report(r, out_dir);
  return r;
}

}  // namespace lmf::train::scaling
