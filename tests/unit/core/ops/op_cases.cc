#include "unit/core/ops/op_cases.h"

#include <gtest/gtest.h>

#include "core/autograd.h"
#include "support/oracle.h"

namespace lmf::test {

Tensor probe(const Tensor& y, const Tensor& g) {
  std::vector<float> yv = y.to_vector(), gv = g.to_vector();
  double s = 0;
  for (size_t i = 0; i < yv.size(); ++i) s += double(yv[i]) * gv[i];
  Tensor out = Tensor::from_vector({float(s)}, {});
  if (autograd::should_record({&y}))
    autograd::record("probe", out, [gy = autograd::GradSink(y), g](const Tensor& d) mutable {
      Tensor scaled = g.clone();
      float k = d.item();
      for (int64_t i = 0; i < scaled.numel(); ++i) scaled.f32()[i] *= k;
      gy.accumulate(scaled);
    });
  return out;
}

void expect_matches_torch(const std::string& module, const std::string& func, const std::vector<OpCase>& cases,
                          double tol) {
  TensorMap to_torch;
  nlohmann::json jcases = nlohmann::json::array();
  std::vector<std::map<std::string, Tensor>> leaves(cases.size());
  std::vector<Tensor> ys(cases.size());
  for (size_t i = 0; i < cases.size(); ++i) {
    const OpCase& c = cases[i];
    std::string p = "c" + std::to_string(i) + ".";
    nlohmann::json jc = c.args;
    jc["inputs"] = nlohmann::json::array();
    std::map<std::string, Tensor> views;
    uint64_t seed = 1000 * (i + 1);
    for (const CaseInput& in : c.inputs) {
      Tensor leaf = Tensor::randn(in.shape, seed++, in.scale);
      to_torch[p + in.name] = leaf;
      leaf.set_requires_grad(in.grad);
      leaves[i][in.name] = leaf;
      Tensor v = leaf;
      for (auto [a, b] : in.transposes) v = v.transpose(a, b);
      views[in.name] = v;
      jc["inputs"].push_back({{"name", in.name}, {"transposes", in.transposes}, {"grad", in.grad}});
    }
    Tensor y = c.run(views);
    Tensor g = Tensor::randn(y.shape(), seed++);
    to_torch[p + "g"] = g;
    bool any_grad = false;
    for (auto& [n, l] : leaves[i]) any_grad = any_grad || l.requires_grad();
    if (any_grad) probe(y, g).backward();
    ys[i] = y.detach();
    jcases.push_back(jc);
  }
  TensorMap ref = torch_ref(module, func, to_torch, {{"cases", jcases}});
  for (size_t i = 0; i < cases.size(); ++i) {
    const OpCase& c = cases[i];
    std::string p = "c" + std::to_string(i) + ".";
    SCOPED_TRACE("case " + std::to_string(i) + ": " + c.label);
    ASSERT_TRUE(ref.count(p + "y"));
    EXPECT_LE(rel_error(ys[i], ref[p + "y"]), tol) << "output";
    for (const CaseInput& in : c.inputs) {
      Tensor grad = leaves[i][in.name].grad();
      if (!in.grad) {
        EXPECT_FALSE(grad.defined()) << in.name << " does not require grad but got one";
        continue;
      }
      ASSERT_TRUE(grad.defined()) << "no gradient for " << in.name;
      EXPECT_LE(rel_error(grad, ref[p + "d" + in.name]), tol) << "gradient of " << in.name;
    }
    if (ref.count(p + "gradcheck")) {
      EXPECT_EQ(ref[p + "gradcheck"].item(), 1.0f) << "reference gradcheck failed";
    }
  }
}

}  // namespace lmf::test
