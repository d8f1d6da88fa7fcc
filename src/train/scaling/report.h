// Scaling-law analysis of a set of points (points.h): the L(N, D) fit (chinchilla_fit.h),
// Kaplan's L(N) (kaplan_fit.h) and the compute-optimal size for a budget
// (compute_optimal.h), written as OUT/fit.json and OUT/scaling.svg (atomically) and as a
// text report that sets the fitted exponents beside the published ones (Kaplan et al.
// 2020: alpha_N = 0.076, N_c = 8.8e13; Hoffmann et al. 2022: E = 1.69, A = 406.4,
// B = 410.7, alpha = 0.34, beta = 0.28) with a note on what small scales can show.
//
// fit.json: {"points", "chinchilla": {E, A, B, alpha, beta, objective, starts, converged,
// grid}, "kaplan": {alpha_N, N_c, points}, "optimal": {C, N, D, loss, tokens_per_parameter}
// or {"C", "error"}, "published": {...}}.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "train/scaling/chinchilla_fit.h"
#include "train/scaling/compute_optimal.h"
#include "train/scaling/kaplan_fit.h"

namespace lmf::train::scaling {

struct AnalysisOptions {
  std::string grid = "hoffmann";  // start grid of the L(N, D) fit: hoffmann | quick
  double budget = 0;              // FLOPs; 0 = the largest 6 N D among the points
};

struct ScalingReport {
  std::vector<Point> points;
  ChinchillaFit fit;
  std::string grid;
  KaplanFit kaplan;
  ComputeOptimal optimal;       // for optimal.C
  std::string optimal_error;    // why there is none, when fit's exponents do not allow one
};

ScalingReport analyze(std::vector<Point> points, const AnalysisOptions& opt);
nlohmann::ordered_json report_json(const ScalingReport& r);
// Writes OUT/fit.json and OUT/scaling.svg (creating OUT).
void write_report(const ScalingReport& r, const std::string& out_dir);
// The points table, the fits beside the published values, the prediction and the note.
std::string format_report(const ScalingReport& r);

// `lmforge scaling fit`: reads points_path, analyses, writes to out_dir when not empty.
ScalingReport fit_points_file(const std::string& points_path, const std::string& out_dir, const AnalysisOptions& opt);

}  // namespace lmf::train::scaling
