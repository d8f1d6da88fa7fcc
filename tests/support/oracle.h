// Test support: run a PyTorch reference function (tests/reference/MODULE.py, FUNC) on
// named tensors and get its named outputs back, plus error measures and helpers.
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>

#include "core/tensor.h"

namespace lmf::test {

using TensorMap = std::map<std::string, Tensor>;

// Path of a file in the source tree, e.g. source_path("tests/reference/ops.py").
std::string source_path(const std::string& rel);
// A fresh empty directory under /tmp, removed at process exit.
std::string temp_dir();

// Runs `/usr/bin/python3 tests/reference/oracle.py MODULE FUNC ...`; throws with the
// Python traceback when the reference fails.
TensorMap torch_ref(const std::string& module, const std::string& func, const TensorMap& inputs,
                    const nlohmann::json& args = nlohmann::json::object());

// Max-norm relative error: max|got - want| / max(max|want|, 1e-12). Shapes must match.
double rel_error(const Tensor& got, const Tensor& want);

// Runs a shell command, returning its exit status and (optionally) stdout.
int run_command(const std::string& cmd, std::string* out = nullptr);

}  // namespace lmf::test
