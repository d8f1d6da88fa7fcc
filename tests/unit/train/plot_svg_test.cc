// The loss chart: well-formed SVG (parsed by Python's xml.etree in check_svg.py), and the
// points read back through the chart's own tick labels equal the data.
#include <gtest/gtest.h>

#include <cmath>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"
#include "support/oracle.h"
#include "train/metrics_log.h"
#include "train/plot_svg.h"

using namespace lmf;

namespace {

nlohmann::json check_svg(const std::string& path) {
  std::string out;
  int rc = test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/check_svg.py") + " " + path + " 2>&1", &out);
  EXPECT_EQ(rc, 0) << out;
  return rc == 0 ? nlohmann::json::parse(out) : nlohmann::json::object();
}

}  // namespace

TEST(PlotSvg, LossChartReadsBackTheData) {
  std::string dir = test::temp_dir();
  {
    train::MetricsLog log(dir + "/metrics.jsonl");
    for (int s = 1; s <= 120; ++s) {
      log.write({{"step", s}, {"loss", 4.0 * std::exp(-s / 40.0) + 1.3 + 0.05 * std::sin(s)}, {"lr", 1e-3}});
      if (s % 30 == 0) log.write({{"step", s}, {"val_loss", 4.2 * std::exp(-s / 45.0) + 1.4}});
    }
  }
  train::write_loss_svg(dir + "/metrics.jsonl", dir + "/loss.svg", "run <a & b>");
  auto got = check_svg(dir + "/loss.svg");
  ASSERT_TRUE(got.contains("series"));
  EXPECT_EQ(got["title"], "run <a & b>");
  EXPECT_EQ(got["xlabel"], "step");
  EXPECT_EQ(got["legend"], nlohmann::json({"train loss", "val loss"}));
  EXPECT_GE(got["xticks"].size(), 4u);
  EXPECT_GE(got["yticks"].size(), 3u);
  auto& train_pts = got["series"]["train loss"];
  ASSERT_EQ(train_pts.size(), 120u);
  for (int s = 1; s <= 120; ++s) {
    EXPECT_NEAR(train_pts[s - 1][0].get<double>(), s, 0.05);
    EXPECT_NEAR(train_pts[s - 1][1].get<double>(), 4.0 * std::exp(-s / 40.0) + 1.3 + 0.05 * std::sin(s), 2e-3);
  }
  auto& val_pts = got["series"]["val loss"];
  ASSERT_EQ(val_pts.size(), 4u);
  EXPECT_NEAR(val_pts[3][0].get<double>(), 120, 0.05);
  EXPECT_NEAR(val_pts[3][1].get<double>(), 4.2 * std::exp(-120 / 45.0) + 1.4, 2e-3);
  // Ticks cover the data.
  EXPECT_LE(got["xticks"].front().get<double>(), 1);
  EXPECT_GE(got["xticks"].back().get<double>(), 120);
}

TEST(PlotSvg, EdgeCasesStayWellFormed) {
  std::string dir = test::temp_dir();
  // One point, a NaN, and a long noisy series that gets thinned.
  train::Series one{"one", "#000", {5}, {2.5}, true};
  train::Series noisy{"noisy", "#00f", {}, {}, false};
  for (int i = 0; i < 20000; ++i) {
    noisy.x.push_back(i);
    noisy.y.push_back(i == 7 ? NAN : 3 + std::sin(i * 0.37));
  }
  io::write_text_atomic(dir + "/a.svg", train::line_chart_svg({one}, {"t", "x", "y"}));
  auto a = check_svg(dir + "/a.svg");
  ASSERT_TRUE(a.contains("series"));
  EXPECT_NEAR(a["series"]["one"][0][0].get<double>(), 5, 1e-2);
  EXPECT_NEAR(a["series"]["one"][0][1].get<double>(), 2.5, 1e-2);
  io::write_text_atomic(dir + "/b.svg", train::line_chart_svg({noisy}, {"t", "x", "y"}));
  auto b = check_svg(dir + "/b.svg");
  ASSERT_TRUE(b.contains("series"));
  auto& pts = b["series"]["noisy"];
  EXPECT_LT(pts.size(), 4000u);
  double lo = 1e9, hi = -1e9;
  for (auto& p : pts) lo = std::min(lo, p[1].get<double>()), hi = std::max(hi, p[1].get<double>());
  EXPECT_NEAR(lo, 2.0, 1e-2);  // the envelope survives thinning
  EXPECT_NEAR(hi, 4.0, 1e-2);
  io::write_text_atomic(dir + "/c.svg", train::loss_chart_svg({}, "empty"));
  std::string out;
  EXPECT_EQ(test::run_command("/usr/bin/python3 -c \"import xml.etree.ElementTree as E; E.parse('" + dir + "/c.svg')\" 2>&1", &out), 0) << out;
}
