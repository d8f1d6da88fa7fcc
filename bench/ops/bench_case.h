// The op benchmark's case registry. A case is one op's forward + backward at one shape;
// each group of ops registers its cases from its own file (cases_<group>.cc) with
//
//   static bench::Register reg("linear C=384", [] {
//     ... set up tensors ...
//     return bench::Run{[=] { ... one forward + backward ... }, flops_per_run};
//   });
//
// and the PyTorch side of the same case (same name) lives in torch_<group>.py. A case whose
// name ends in " [oneDNN sgemm]" is the plain-GEMM baseline of the case named before the
// bracket; the report prints the GFLOP/s of both.
#pragma once
#include <functional>
#include <string>

#include "core/autograd.h"
#include "core/tensor.h"

namespace lmf::bench {

struct Run {
  std::function<void()> once;  // one forward + backward
  double flops = 0;            // per call of once(), 0 when not meaningful
};

struct Case {
  std::string name;
  std::function<Run()> setup;
};

std::vector<Case>& registry();

struct Register {
  Register(std::string name, std::function<Run()> setup) { registry().push_back({std::move(name), std::move(setup)}); }
};

// Backward from a non-scalar output with a given upstream gradient dy (as y.backward(dy)).
inline void backward_with(const Tensor& y, const Tensor& dy) {
  Tensor root = Tensor::zeros({});
  autograd::record("seed", root, [gy = autograd::GradSink(y), dy](const Tensor&) mutable { gy.accumulate(dy); });
  root.backward();
}

}  // namespace lmf::bench
