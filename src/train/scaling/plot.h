// The scaling chart (standalone SVG, train/plot_svg.h): final validation loss against
// log10 N (non-embedding parameters), one colour per training-token count D — the
// measured points with dots, the fitted L(N, D) at that D as a plain line — and Kaplan's
// fitted L(N) in black. Tick labels are exact data values, as in every lmforge chart.
#pragma once
#include <string>
#include <vector>

#include "train/scaling/chinchilla_fit.h"
#include "train/scaling/kaplan_fit.h"

namespace lmf::train::scaling {

std::string scaling_svg(const std::vector<Point>& points, const ChinchillaFit& fit, const KaplanFit& kaplan);

}  // namespace lmf::train::scaling
