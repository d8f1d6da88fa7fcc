#include "train/scaling/plot.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <map>

#include "train/plot_svg.h"

namespace lmf::train::scaling {

std::string scaling_svg(const std::vector<Point>& points, const ChinchillaFit& fit, const KaplanFit& kaplan) {
  static const char* kColors[] = {"#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf"};
  std::map<double, std::vector<const Point*>> by_d;
  double lo = INFINITY, hi = -INFINITY;
  for (const Point& p : points) {
    by_d[p.D].push_back(&p);
    lo = std::min(lo, std::log10(p.N)), hi = std::max(hi, std::log10(p.N));
  }
  const double pad = std::max(0.1, 0.05 * (hi - lo));
  lo -= pad, hi += pad;
  constexpr int kCurve = 60;  // points per fitted curve
  std::vector<Series> series;
  size_t c = 0;
  for (auto& [d, pts] : by_d) {
    const std::string color = kColors[c++ % std::size(kColors)];
    char label[64];
    std::snprintf(label, sizeof label, "D = %.3g", d);
    Series measured{std::string(label) + " measured", color, {}, {}, true};
    auto sorted = pts;
    std::sort(sorted.begin(), sorted.end(), [](const Point* a, const Point* b) { return a->N < b->N; });
    for (const Point* p : sorted) measured.x.push_back(std::log10(p->N)), measured.y.push_back(p->loss);
    Series fitted{std::string(label) + " L(N, D) fit", color, {}, {}, false};
    for (int i = 0; i < kCurve; ++i) {
      const double x = lo + (hi - lo) * i / (kCurve - 1);
      fitted.x.push_back(x), fitted.y.push_back(fit.predict(std::pow(10.0, x), d));
    }
    series.push_back(std::move(measured));
    series.push_back(std::move(fitted));
  }
  if (std::isfinite(kaplan.N_c)) {
    Series k{"Kaplan L(N) fit", "#000000", {}, {}, false};
    for (int i = 0; i < kCurve; ++i) {
      const double x = lo + (hi - lo) * i / (kCurve - 1);
      k.x.push_back(x), k.y.push_back(kaplan.predict(std::pow(10.0, x)));
    }
    series.push_back(std::move(k));
  }
  return line_chart_svg(series, {"scaling: validation loss against model size", "log10 N (non-embedding parameters)",
                                 "validation loss (nats per token)"});
}

}  // namespace lmf::train::scaling
