// Scaling-law fits: the L(N, D) fit (Hoffmann et al.'s approach 3) and Kaplan's L(N) equal
// scipy's fit of the same points with the same loss and start grid
// (tests/reference/scaling_fit.py) to 1e-3 relative, through `lmforge scaling fit`; the
// small L-BFGS, the objective's gradient, the compute-optimal prediction and bad input
// are checked on their own.
#include <gtest/gtest.h>

#include <cmath>
#include <fstream>
#include <random>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/atomic_file.h"
#include "support/oracle.h"
#include "train/scaling/chinchilla_fit.h"
#include "train/scaling/compute_optimal.h"
#include "train/scaling/kaplan_fit.h"
#include "train/scaling/lbfgs.h"
#include "train/scaling/points.h"

using namespace lmf;
using namespace lmf::train::scaling;
using nlohmann::json;

namespace {

// Hoffmann et al.'s published law sampled on a grid of N and D, times log-normal noise
// (sigma 3e-4, inside the Huber delta of 1e-3, so the optimum is the smooth least-squares one).
std::string synthetic_points(const std::string& dir) {
  std::mt19937_64 rng(7);
  std::normal_distribution<double> noise(0.0, 3e-4);
  std::string text;
  for (double N : {1e5, 3e5, 1e6, 3e6, 1e7, 3e7, 1e8})
    for (double D : {1e6, 1e7, 1e8, 1e9}) {
      const double L = (1.69 + 406.4 / std::pow(N, 0.34) + 410.7 / std::pow(D, 0.28)) * std::exp(noise(rng));
      text += json{{"N", N}, {"D", D}, {"loss", L}}.dump() + "\n";
    }
  const std::string path = dir + "/points.jsonl";
  io::write_text_atomic(path, text);
  return path;
}

double rel(double got, double want) { return std::abs(got - want) / std::abs(want); }

json run_json(const std::string& cmd) {
  std::string out;
  const int rc = test::run_command(cmd, &out);
  EXPECT_EQ(rc, 0) << cmd << "\n" << out;
  return rc == 0 ? json::parse(out) : json::object();
}

}  // namespace

TEST(ScalingFit, EqualsScipyThroughTheCli) {
  const std::string dir = test::temp_dir();
  const std::string points = synthetic_points(dir);
  const json ours = run_json(std::string(LMFORGE_BINARY) + " scaling fit --points " + points +
                             " --start-grid quick --budget 1e18 --json --out " + dir + "/fit");
  const json ref = run_json("/usr/bin/python3 " + test::source_path("tests/reference/scaling_fit.py") + " " + points +
                            " quick");
  ASSERT_TRUE(ours.contains("chinchilla") && ref.contains("A"));
  for (const char* k : {"E", "A", "B", "alpha", "beta"})
    EXPECT_LT(rel(ours["chinchilla"][k].get<double>(), ref[k].get<double>()), 1e-3)
        << k << ": ours " << ours["chinchilla"][k] << ", scipy " << ref[k];
  EXPECT_LT(rel(ours["chinchilla"]["objective"].get<double>(), ref["objective"].get<double>()), 1e-3);
  EXPECT_EQ(ours["chinchilla"]["starts"], 36);
  // The fit recovers the law the points came from.
  EXPECT_NEAR(ours["chinchilla"]["alpha"].get<double>(), 0.34, 0.01);
  EXPECT_NEAR(ours["chinchilla"]["beta"].get<double>(), 0.28, 0.01);
  for (const char* k : {"alpha_N", "N_c"})
    EXPECT_LT(rel(ours["kaplan"][k].get<double>(), ref["kaplan"][k].get<double>()), 1e-3) << k;
  const json& opt = ref["optimal"][1];
  ASSERT_EQ(opt["C"].get<double>(), 1e18);
  for (const char* k : {"N", "D", "loss"})
    EXPECT_LT(rel(ours["optimal"][k].get<double>(), opt[k].get<double>()), 1e-3) << k;
  // --out wrote the same fit and a chart.
  const json file = json::parse(io::read_file(dir + "/fit/fit.json"));
  EXPECT_EQ(file["chinchilla"]["alpha"], ours["chinchilla"]["alpha"]);
  EXPECT_NE(io::read_file(dir + "/fit/scaling.svg").find("<svg"), std::string::npos);
}

TEST(ScalingFit, PaperGridFindsTheSameOptimum) {
  const std::vector<Point> pts = read_points(synthetic_points(test::temp_dir()));
  const ChinchillaFit quick = fit_chinchilla(pts, "quick"), full = fit_chinchilla(pts, "hoffmann");
  EXPECT_EQ(full.starts, 4500);
  EXPECT_LT(rel(full.alpha, quick.alpha), 1e-6);
  EXPECT_LT(rel(full.beta, quick.beta), 1e-6);
  EXPECT_LT(rel(full.E, quick.E), 1e-6);
  EXPECT_LE(full.objective, quick.objective * (1 + 1e-9));
}

TEST(ScalingFit, ObjectiveGradientMatchesFiniteDifferences) {
  const std::vector<Point> pts = read_points(synthetic_points(test::temp_dir()));
  // Away from the optimum, some residuals in Huber's linear part, some in its quadratic.
  for (std::vector<double> th : {std::vector<double>{6.0, 6.0, 0.5, 0.3, 0.3}, std::vector<double>{6.0, 6.1, 0.52, 0.34, 0.28}}) {
    std::vector<double> g, tmp;
    chinchilla_objective(pts, th, g);
    for (size_t i = 0; i < th.size(); ++i) {
      const double h = 1e-7;
      std::vector<double> up = th, down = th;
      up[i] += h, down[i] -= h;
      const double fd = (chinchilla_objective(pts, up, tmp) - chinchilla_objective(pts, down, tmp)) / (2 * h);
      EXPECT_NEAR(g[i], fd, 1e-5 * std::max(1.0, std::abs(fd))) << "theta[" << i << "]";
    }
  }
}

TEST(ScalingFit, LbfgsMinimisesRosenbrock) {
  const Objective rosen = [](const std::vector<double>& x, std::vector<double>& g) {
    const double a = 1 - x[0], b = x[1] - x[0] * x[0];
    g = {-2 * a - 400 * x[0] * b, 200 * b};
    return a * a + 100 * b * b;
  };
  const LbfgsResult r = lbfgs_minimize(rosen, {-1.2, 1.0});
  EXPECT_TRUE(r.converged);
  EXPECT_NEAR(r.x[0], 1.0, 1e-6);
  EXPECT_NEAR(r.x[1], 1.0, 1e-6);
  EXPECT_LT(r.iterations, 200);
}

TEST(ScalingFit, ComputeOptimalMinimisesLossAlongTheBudget) {
  ChinchillaFit f;
  f.E = 1.69, f.A = 406.4, f.B = 410.7, f.alpha = 0.34, f.beta = 0.28;
  const ComputeOptimal o = compute_optimal(f, 5.76e23);  // Chinchilla's budget
  EXPECT_NEAR(6 * o.N * o.D / 5.76e23, 1.0, 1e-9);
  // Any other split of the same budget has a higher predicted loss.
  for (double k : {0.8, 1.25}) EXPECT_GT(f.predict(o.N * k, o.D / k), o.loss);
  // The paper's fit puts Chinchilla's budget at tens of billions of parameters (its Table 3 / A3).
  EXPECT_GT(o.N, 2e10);
  EXPECT_LT(o.N, 6e10);
  f.beta = -0.1;
  EXPECT_THROW(compute_optimal(f, 1e20), Error);
}

TEST(ScalingFit, KaplanUsesEachSizesMostTrainedPoint) {
  std::vector<Point> pts;
  for (double N : {1e4, 1e5, 1e6})
    for (double D : {1e5, 1e6}) pts.push_back({N, D, std::pow(8.8e13 / N, 0.076) * (D < 1e6 ? 1.5 : 1.0), {}});
  const KaplanFit k = fit_kaplan(pts);
  EXPECT_NEAR(k.alpha_N, 0.076, 1e-9);
  EXPECT_NEAR(k.N_c / 8.8e13, 1.0, 1e-6);
  ASSERT_EQ(k.used.size(), 3u);
  EXPECT_EQ(k.used[0].D, 1e6);
}

TEST(ScalingFit, BadPointsAreNamed) {
  const std::string dir = test::temp_dir();
  io::write_text_atomic(dir + "/p.jsonl", "{\"N\": 1e5, \"D\": 1e6, \"loss\": 3.1}\n{\"N\": 1e6, \"D\": 1e6}\n");
  try {
    read_points(dir + "/p.jsonl");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("p.jsonl:2: field 'loss'"), std::string::npos) << e.what();
  }
  io::write_text_atomic(dir + "/q.jsonl", "{\"N\": 1e5, \"D\": 1e6, \"loss\": 3.1}\n{\"N\": 1e6, \"D\": 1e6, \"loss\": 2.9}\n");
  std::string out;
  EXPECT_EQ(test::run_command(std::string(LMFORGE_BINARY) + " scaling fit --points " + dir + "/q.jsonl 2>&1", &out), 1);
  EXPECT_NE(out.find("at least 5 points"), std::string::npos) << out;
}
