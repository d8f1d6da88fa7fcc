// Test driver shared by the op tests. Each case lists its inputs (random storage plus the
// transposes that make the view the op sees), runs the op here with autograd, and the
// same cases run in one PyTorch call (tests/reference/op_cases.py drives MODULE.FUNC).
// The driver then compares the output and the gradient of every input that requires grad
// by test::rel_error, checks that inputs without requires_grad got no gradient, and, when
// the reference ran torch.autograd.gradcheck on a small case, that it passed.
#pragma once
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace lmf::test {

struct CaseInput {
  std::string name;
  Shape shape;  // of the storage
  std::vector<std::pair<int, int>> transposes = {};
  bool grad = true;
  float scale = 1.0f;  // values are scale · N(0, 1)
};

struct OpCase {
  std::string label;  // printed when the case fails
  std::vector<CaseInput> inputs;
  nlohmann::json args = nlohmann::json::object();  // extra fields the reference reads
  std::function<Tensor(std::map<std::string, Tensor>& views)> run;
};

// Σ y·g as a scalar whose backward sends dy = g into y.
Tensor probe(const Tensor& y, const Tensor& g);

// Runs every case here and in the reference; EXPECTs outputs and gradients within `tol`.
void expect_matches_torch(const std::string& module, const std::string& func, const std::vector<OpCase>& cases,
                          double tol);

}  // namespace lmf::test
