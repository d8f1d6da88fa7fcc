// Line charts as standalone SVG (no dependencies; opens in any browser): the training
// run's RUN_DIR/loss.svg, train loss and validation loss against the step.
//
// The chart has a title, both axes with "nice" ticks (1, 2 or 5 × 10^k) and grid lines,
// axis labels and a legend. Every tick label is the exact data value at its position, so
// the plotted points can be read back from the picture. Non-finite values are skipped; a
// series with more points than twice the plot's pixel width is thinned to each pixel
// column's first, lowest, highest and last point, which keeps the envelope of noisy loss
// curves while bounding the file size. Text is XML-escaped.
#pragma once
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lmf::train {

struct Series {
  std::string name;   // legend text
  std::string color;  // any SVG color, e.g. "#1f77b4"
  std::vector<double> x, y;
  bool markers = false;  // draw a dot at each point (for sparse series such as eval loss)
};

struct ChartOptions {
  std::string title, x_label, y_label;
  int width = 760, height = 440;
};

std::string line_chart_svg(const std::vector<Series>& series, const ChartOptions& options);

// The loss chart from metrics.jsonl rows: "loss" and "val_loss" against "step".
std::string loss_chart_svg(const std::vector<nlohmann::json>& rows, const std::string& title);
// Reads metrics_path (see metrics_log.h) and writes the loss chart to svg_path atomically.
void write_loss_svg(const std::string& metrics_path, const std::string& svg_path, const std::string& title = "loss");

}  // namespace lmf::train
