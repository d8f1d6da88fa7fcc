// embedding against PyTorch (tests/reference/ops_embedding.py): lookup and scatter-add
// backward with repeated ids (so rows collide), ids of several shapes, odd widths
// (1, 3, 37, 101), GPT-2-sized tables, threaded sizes; bad ids are ShapeErrors.
//
// Gradient checking: the op is fp32 only, so the reference runs in double precision and its
// gradient is checked by torch.autograd.gradcheck (central differences) on the small
// tables; our output and gradient are compared with the reference's to 1e-5 (the backward
// only adds).
#include <gtest/gtest.h>

#include "core/autograd.h"
#include "core/ops/embedding.h"
#include "core/random.h"
#include "support/oracle.h"
#include "unit/core/ops/op_cases.h"

using namespace lmf;

namespace {

// Ids drawn uniformly from [0, V) with a counter-based generator.
Tensor random_ids(const Shape& shape, int64_t V, uint64_t seed) {
  std::vector<int32_t> v(size_t(shape.numel()));
  for (size_t i = 0; i < v.size(); ++i) v[i] = int32_t(Philox::uniform_at(seed, i) * float(V)) % int32_t(V);
  return Tensor::from_ints(v, shape);
}

struct Case {
  Shape ids;
  int64_t V, C;
};

}  // namespace

TEST(OpsEmbedding, MatchesTorchForwardAndBackward) {
  std::vector<Case> cases{
      {{5}, 3, 37},          // 5 ids over 3 rows: repeated ids accumulate
      {{1}, 1, 1},           //
      {{2, 7}, 11, 3},       //
      {{3, 37}, 101, 101},   //
      {{4, 64}, 65, 384},    // character-level vocabulary, threaded
      {{2, 128}, 50257, 37}, // GPT-2 vocabulary (most rows untouched)
  };
  test::TensorMap in;
  nlohmann::json jc = nlohmann::json::array();
  std::vector<Tensor> ys, tables;
  for (size_t i = 0; i < cases.size(); ++i) {
    const Case& c = cases[i];
    std::string p = "c" + std::to_string(i) + ".";
    Tensor ids = random_ids(c.ids, c.V, 10 + i);
    Tensor table = Tensor::randn({c.V, c.C}, 20 + i);
    in[p + "ids"] = ids;
    in[p + "table"] = table.clone();
    table.set_requires_grad(true);
    Tensor y = embedding(ids, table);
    Tensor g = Tensor::randn(y.shape(), 30 + i);
    in[p + "g"] = g;
    test::probe(y, g).backward();
    ys.push_back(y.detach());
    tables.push_back(table);
    jc.push_back(nlohmann::json::object());
  }
  test::TensorMap ref = test::torch_ref("ops_embedding", "cases", in, {{"cases", jc}});
  for (size_t i = 0; i < cases.size(); ++i) {
    std::string p = "c" + std::to_string(i) + ".";
    SCOPED_TRACE("case " + std::to_string(i) + ": ids " + cases[i].ids.str() + " V=" + std::to_string(cases[i].V) +
                 " C=" + std::to_string(cases[i].C));
    EXPECT_LE(test::rel_error(ys[i], ref[p + "y"]), 1e-5);
    EXPECT_LE(test::rel_error(tables[i].grad(), ref[p + "dtable"]), 1e-5);
    if (ref.count(p + "gradcheck")) EXPECT_EQ(ref[p + "gradcheck"].item(), 1.0f);
  }
}

TEST(OpsEmbedding, GradientAccumulatesAndFrozenTableGetsNone) {
  Tensor ids = Tensor::from_ints({0, 2, 0}, {3});
  Tensor table = Tensor::randn({3, 4}, 1);
  Tensor g = Tensor::full({3, 4}, 1.0f);
  test::probe(embedding(ids, table), g);
  EXPECT_EQ(autograd::tape_size(), 0u);  // nothing requires grad: nothing recorded
  table.set_requires_grad(true);
  for (int k = 0; k < 2; ++k) test::probe(embedding(ids, table), g).backward();
  // Row 0 is looked up twice per pass, row 2 once, row 1 never; two passes accumulate.
  std::vector<float> d = table.grad().to_vector();
  for (int c = 0; c < 4; ++c) {
    EXPECT_EQ(d[0 * 4 + c], 4.0f);
    EXPECT_EQ(d[1 * 4 + c], 0.0f);
    EXPECT_EQ(d[2 * 4 + c], 2.0f);
  }
}

TEST(OpsEmbedding, BadIdsAndShapesAreShapeErrors) {
  Tensor table = Tensor::randn({65, 8}, 1);
  for (int32_t bad : {65, -1, 1000000}) {
    try {
      embedding(Tensor::from_ints({1, bad, 2}, {3}), table);
      FAIL() << "no error for id " << bad;
    } catch (const ShapeError& e) {
      std::string m = e.what();
      EXPECT_EQ(m.find("embedding"), 0u) << m;
      EXPECT_NE(m.find("id " + std::to_string(bad)), std::string::npos) << m;
      EXPECT_NE(m.find("V = 65"), std::string::npos) << m;
    }
  }
  EXPECT_THROW(embedding(Tensor::randn({3}, 1), table), ShapeError);                // float ids
  EXPECT_THROW(embedding(Tensor::from_ints({0}, {1}), Tensor::randn({8}, 1)), ShapeError);  // 1-D table
}
