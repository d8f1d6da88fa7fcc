// Shared setup for the optimizer tests: a small model's named parameters (matrices,
// vectors, odd sizes) and a fixed sequence of gradients, in the layout that
// tests/reference/optim.py reads (p.<i> initial values, g.<i> gradients by step).
#pragma once
#include <string>
#include <vector>

#include "core/autograd.h"
#include "core/optim/optimizer.h"
#include "support/oracle.h"

namespace lmf::test {

struct OptimCase {
  std::vector<Shape> shapes{{37, 5}, {5}, {3, 1, 7}, {1}, {101}};
  int steps = 20;
  TensorMap inputs;  // p.<i>, g.<i>

  OptimCase() {
    for (size_t i = 0; i < shapes.size(); ++i) {
      inputs["p." + std::to_string(i)] = Tensor::randn(shapes[i], 100 + i);
      Shape gs{steps};
      for (int64_t d : shapes[i]) gs.push_back(d);
      inputs["g." + std::to_string(i)] = Tensor::randn(gs, 200 + i, 0.5f);
    }
  }
  // Fresh leaf parameters with the initial values, named "w<i>".
  optim::NamedTensors params() const {
    optim::NamedTensors out;
    for (size_t i = 0; i < shapes.size(); ++i) {
      Tensor p = inputs.at("p." + std::to_string(i)).clone();
      p.set_requires_grad(true);
      out.emplace_back("w" + std::to_string(i), p);
    }
    return out;
  }
  // Sets each parameter's gradient to the one for `step` (none where skip(i, step)).
  template <class Skip>
  void set_grads(const optim::NamedTensors& ps, int step, Skip skip) const {
    for (size_t i = 0; i < ps.size(); ++i) {
      Tensor p = ps[i].second;
      p.zero_grad();
      if (skip(int(i), step)) continue;
      Tensor g = inputs.at("g." + std::to_string(i)).slice(0, step, step + 1);
      autograd::GradSink(p).accumulate(Tensor::from_vector(g.to_vector(), shapes[i]));
    }
  }
};

}  // namespace lmf::test
