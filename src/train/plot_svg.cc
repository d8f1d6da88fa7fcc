#include "train/plot_svg.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "io/atomic_file.h"
#include "io/xml_escape.h"
#include "train/metrics_log.h"

namespace lmf::train {

namespace {

std::string num(double v) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.2f", v);
  return buf;
}

// An axis: data range [lo, hi] padded out to multiples of a nice tick step.
struct Axis {
  double lo, hi, step;
  int decimals;  // for tick labels
};

double nice_step(double raw) {
  const double mag = std::pow(10.0, std::floor(std::log10(raw)));
  const double f = raw / mag;
  return (f <= 1 ? 1 : f <= 2 ? 2 : f <= 5 ? 5 : 10) * mag;
}

Axis make_axis(double lo, double hi, int target_ticks) {
  if (!(lo <= hi)) lo = 0, hi = 1;  // no data
  if (hi - lo < 1e-12 * std::max(1.0, std::abs(hi))) {  // one value: a unit range around it
    const double pad = std::max(std::abs(lo) * 0.05, 0.5);
    lo -= pad, hi += pad;
  }
  Axis a;
  a.step = nice_step((hi - lo) / target_ticks);
  a.lo = std::floor(lo / a.step + 1e-9) * a.step;
  a.hi = std::ceil(hi / a.step - 1e-9) * a.step;
  a.decimals = std::max(0, int(-std::floor(std::log10(a.step) + 1e-9)));
  return a;
}

std::string tick_label(double v, int decimals) {
  char buf[64];
  if (std::abs(v) < 1e-12 * std::pow(10.0, -decimals)) v = 0;  // no "-0.0"
  std::snprintf(buf, sizeof buf, "%.*f", decimals, v);
  return buf;
}

// Finite points of a series, thinned per pixel column when there are far more points
// than columns: first, lowest, highest and last point of each column, in x order.
std::vector<std::pair<double, double>> points_to_draw(const Series& s, double x_lo, double x_hi, int columns) {
  std::vector<std::pair<double, double>> pts;
  for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i)
    if (std::isfinite(s.x[i]) && std::isfinite(s.y[i])) pts.emplace_back(s.x[i], s.y[i]);
  if (pts.size() <= size_t(2 * columns)) return pts;
  std::vector<std::pair<double, double>> out;
  auto column = [&](double x) { return int((x - x_lo) / (x_hi - x_lo) * columns); };
  for (size_t i = 0; i < pts.size();) {
    const int c = column(pts[i].first);
    size_t j = i, lo = i, hi = i;
    for (; j < pts.size() && column(pts[j].first) == c; ++j) {
      if (pts[j].second < pts[lo].second) lo = j;
      if (pts[j].second > pts[hi].second) hi = j;
    }
    size_t keep[4] = {i, std::min(lo, hi), std::max(lo, hi), j - 1};
    for (int k = 0; k < 4; ++k)
      if (k == 0 || keep[k] != keep[k - 1]) out.push_back(pts[keep[k]]);
    i = j;
  }
  return out;
}

}  // namespace

std::string line_chart_svg(const std::vector<Series>& series, const ChartOptions& o) {
  // Plot area inside margins (pixels).
  const double left = 70, right = 20, top = 40, bottom = 55;
  const double pw = o.width - left - right, ph = o.height - top - bottom;

  double xmin = std::numeric_limits<double>::infinity(), xmax = -xmin, ymin = xmin, ymax = -xmin;
  for (auto& s : series)
    for (size_t i = 0; i < s.x.size() && i < s.y.size(); ++i) {
      if (!std::isfinite(s.x[i]) || !std::isfinite(s.y[i])) continue;
      xmin = std::min(xmin, s.x[i]), xmax = std::max(xmax, s.x[i]);
      ymin = std::min(ymin, s.y[i]), ymax = std::max(ymax, s.y[i]);
    }
  const Axis ax = make_axis(xmin, xmax, 8), ay = make_axis(ymin, ymax, 6);
  auto px = [&](double x) { return left + (x - ax.lo) / (ax.hi - ax.lo) * pw; };
  auto py = [&](double y) { return top + ph - (y - ay.lo) / (ay.hi - ay.lo) * ph; };

  std::string svg;
  svg += "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n";
  svg += "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"" + std::to_string(o.width) + "\" height=\"" +
         std::to_string(o.height) + "\" viewBox=\"0 0 " + std::to_string(o.width) + " " + std::to_string(o.height) +
         "\" font-family=\"sans-serif\" font-size=\"12\">\n";
  svg += "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>\n";
  svg += "<text class=\"title\" x=\"" + num(left + pw / 2) + "\" y=\"24\" text-anchor=\"middle\" font-size=\"15\">" +
         io::xml_escape(o.title) + "</text>\n";

  // Grid, ticks and tick labels.
  svg += "<g class=\"grid\" stroke=\"#e4e4e4\" stroke-width=\"1\">\n";
  const int nx = int(std::llround((ax.hi - ax.lo) / ax.step)), ny = int(std::llround((ay.hi - ay.lo) / ay.step));
  for (int i = 0; i <= nx; ++i) {
    const double x = px(ax.lo + i * ax.step);
    svg += "<line x1=\"" + num(x) + "\" y1=\"" + num(top) + "\" x2=\"" + num(x) + "\" y2=\"" + num(top + ph) + "\"/>\n";
  }
  for (int i = 0; i <= ny; ++i) {
    const double y = py(ay.lo + i * ay.step);
    svg += "<line x1=\"" + num(left) + "\" y1=\"" + num(y) + "\" x2=\"" + num(left + pw) + "\" y2=\"" + num(y) + "\"/>\n";
  }
  svg += "</g>\n<g class=\"axes\" stroke=\"#333\" stroke-width=\"1\">\n";
  svg += "<line x1=\"" + num(left) + "\" y1=\"" + num(top + ph) + "\" x2=\"" + num(left + pw) + "\" y2=\"" +
         num(top + ph) + "\"/>\n";
  svg += "<line x1=\"" + num(left) + "\" y1=\"" + num(top) + "\" x2=\"" + num(left) + "\" y2=\"" + num(top + ph) +
         "\"/>\n</g>\n<g class=\"ticks\" fill=\"#333\">\n";
  for (int i = 0; i <= nx; ++i) {
    const double v = ax.lo + i * ax.step;
    svg += "<text class=\"xtick\" x=\"" + num(px(v)) + "\" y=\"" + num(top + ph + 16) + "\" text-anchor=\"middle\">" +
           tick_label(v, ax.decimals) + "</text>\n";
  }
  for (int i = 0; i <= ny; ++i) {
    const double v = ay.lo + i * ay.step;
    svg += "<text class=\"ytick\" x=\"" + num(left - 6) + "\" y=\"" + num(py(v)) +
           "\" text-anchor=\"end\" dominant-baseline=\"middle\">" + tick_label(v, ay.decimals) + "</text>\n";
  }
  svg += "</g>\n";
  svg += "<text class=\"xlabel\" x=\"" + num(left + pw / 2) + "\" y=\"" + num(o.height - 12.0) +
         "\" text-anchor=\"middle\">" + io::xml_escape(o.x_label) + "</text>\n";
  svg += "<text class=\"ylabel\" x=\"16\" y=\"" + num(top + ph / 2) + "\" text-anchor=\"middle\" transform=\"rotate(-90 16 " +
         num(top + ph / 2) + ")\">" + io::xml_escape(o.y_label) + "</text>\n";

  // The series.
  for (auto& s : series) {
    auto pts = points_to_draw(s, ax.lo, ax.hi, int(pw));
    std::string coords;
    for (auto& [x, y] : pts) {
      if (!coords.empty()) coords += ' ';
      coords += num(px(x));
      coords += ',';
      coords += num(py(y));
    }
    svg += "<polyline class=\"series\" data-name=\"" + io::xml_escape(s.name) + "\" fill=\"none\" stroke=\"" + io::xml_escape(s.color) +
           "\" stroke-width=\"1.6\" stroke-linejoin=\"round\" points=\"" + coords + "\"/>\n";
    if (s.markers)
      for (auto& [x, y] : pts)
        svg += "<circle cx=\"" + num(px(x)) + "\" cy=\"" + num(py(y)) + "\" r=\"2.5\" fill=\"" + io::xml_escape(s.color) + "\"/>\n";
  }

  // Legend, top right inside the plot.
  size_t longest = 0;
  for (auto& s : series) longest = std::max(longest, s.name.size());
  const double lw = 40 + 7.0 * double(longest), lh = 8 + 18.0 * double(series.size());
  const double lx = left + pw - lw - 8, ly = top + 8;
  svg += "<g class=\"legend\">\n<rect x=\"" + num(lx) + "\" y=\"" + num(ly) + "\" width=\"" + num(lw) + "\" height=\"" +
         num(lh) + "\" fill=\"white\" fill-opacity=\"0.85\" stroke=\"#ccc\"/>\n";
  for (size_t i = 0; i < series.size(); ++i) {
    const double y = ly + 13 + 18.0 * double(i);
    svg += "<line x1=\"" + num(lx + 8) + "\" y1=\"" + num(y) + "\" x2=\"" + num(lx + 30) + "\" y2=\"" + num(y) +
           "\" stroke=\"" + io::xml_escape(series[i].color) + "\" stroke-width=\"2\"/>\n";
    svg += "<text x=\"" + num(lx + 36) + "\" y=\"" + num(y) + "\" dominant-baseline=\"middle\">" + io::xml_escape(series[i].name) +
           "</text>\n";
  }
  svg += "</g>\n</svg>\n";
  return svg;
}

std::string loss_chart_svg(const std::vector<nlohmann::json>& rows, const std::string& title) {
  Series train{"train loss", "#1f77b4", {}, {}, false}, val{"val loss", "#d62728", {}, {}, true};
  for (auto& r : rows) {
    if (!r.contains("step") || !r["step"].is_number()) continue;
    const double step = r["step"].get<double>();
    if (r.contains("loss") && r["loss"].is_number()) train.x.push_back(step), train.y.push_back(r["loss"].get<double>());
    if (r.contains("val_loss") && r["val_loss"].is_number())
      val.x.push_back(step), val.y.push_back(r["val_loss"].get<double>());
  }
  std::vector<Series> series;
  if (!train.x.empty()) series.push_back(train);
  if (!val.x.empty()) series.push_back(val);
  return line_chart_svg(series, {title, "step", "loss (nats per token)"});
}

void write_loss_svg(const std::string& metrics_path, const std::string& svg_path, const std::string& title) {
  io::write_text_atomic(svg_path, loss_chart_svg(MetricsLog::read(metrics_path), title));
}

}  // namespace lmf::train
