#include "train/scaling/compute_optimal.h"

#include <cmath>

#include "core/error.h"

namespace lmf::train::scaling {

ComputeOptimal compute_optimal(const ChinchillaFit& fit, double flops) {
  if (!(flops > 0)) throw Error("the compute budget must be a positive number of FLOPs");
  if (!(fit.alpha > 0) || !(fit.beta > 0))
    throw Error("no compute-optimal size: the fitted exponents (alpha " + std::to_string(fit.alpha) + ", beta " +
                std::to_string(fit.beta) + ") must both be positive");
  const double s = fit.alpha + fit.beta;
  const double G = std::pow(fit.alpha * fit.A / (fit.beta * fit.B), 1.0 / s);
  ComputeOptimal o;
  o.C = flops;
  o.N = G * std::pow(flops / 6.0, fit.beta / s);
  o.D = std::pow(flops / 6.0, fit.alpha / s) / G;
  o.loss = fit.predict(o.N, o.D);
  return o;
}

}  // namespace lmf::train::scaling
