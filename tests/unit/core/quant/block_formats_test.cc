// F16, BF16, Q8_0, Q4_0, Q5_0, Q4_K, Q5_K and Q6_K rows against ggml's own quantizer
// (ggml_quantize_chunk in the libggml that node-llama-cpp ships): the bytes must be identical.
#include <gtest/gtest.h>

#include <cmath>
#include <random>

#include "core/error.h"
#include "core/quant/convert.h"
#include "support/llama_oracle.h"

using namespace lmf;
using quant::GgmlType;

namespace {

// 64 rows of 8 blocks: gaussian rows at several scales plus the awkward cases (all zero,
// one value, exact halves, ties of magnitude with opposite signs, huge and tiny values).
std::vector<float> test_rows(int64_t row) {
  std::mt19937 rng(7);
  std::normal_distribution<float> g(0.f, 1.f);
  std::vector<float> x;
  for (int r = 0; r < 56; ++r) {
    float scale = std::pow(10.f, float(r % 7) - 3.f);
    for (int64_t j = 0; j < row; ++j) x.push_back(g(rng) * scale);
  }
  for (int r = 0; r < 8; ++r)
    for (int64_t j = 0; j < row; ++j) {
      float v = 0.f;
      switch (r) {
        case 0: v = 0.f; break;
        case 1: v = j == 5 ? -3.f : 0.f; break;
        case 2: v = float(j % 17) - 8.f + 0.5f; break;         // halves
        case 3: v = (j % 2 ? 1.f : -1.f) * float(j % 9); break;  // ± ties of magnitude
        case 4: v = float(j) * 1e4f; break;
        case 5: v = float(j % 32) * 1e-6f - 1e-5f; break;
        case 6: v = (j % 3 == 0) ? 127.f : float(j % 127); break;
        case 7: v = -float(j % 16) / 8.f; break;
      }
      x.push_back(v);
    }
  return x;
}

void expect_same_as_ggml(GgmlType t, const char* name) {
  const int64_t row = quant::ggml_type_info(uint32_t(t))->block_size * 8;
  std::vector<float> x = test_rows(row);
  const int64_t rows = int64_t(x.size()) / row;
  std::vector<uint8_t> ours(size_t(quant::row_bytes(t, row) * rows));
  for (int64_t r = 0; r < rows; ++r)
    quant::quantize_row(t, x.data() + r * row, ours.data() + r * quant::row_bytes(t, row), row);
  std::vector<uint8_t> want = test::ggml_quantize(name, x);
  ASSERT_EQ(ours.size(), want.size()) << name;
  size_t diff = 0;
  for (size_t i = 0; i < ours.size(); ++i) diff += ours[i] != want[i];
  EXPECT_EQ(diff, 0u) << name << ": bytes that differ from ggml's";

  // Dequantizing gives back the values within the format's step.
  std::vector<float> back(x.size());
  for (int64_t r = 0; r < rows; ++r)
    quant::dequantize_row(t, ours.data() + r * quant::row_bytes(t, row), back.data() + r * row, row);
  const int64_t bs = quant::ggml_type_info(uint32_t(t))->block_size;
  if (bs == 1) {  // F16, BF16: relative rounding of each value (F16 overflows above 65504)
    const float rel = t == GgmlType::F16 ? 1.f / 2048 : 1.f / 256;
    for (size_t i = 0; i < x.size(); ++i)
      if (std::fabs(x[i]) < 65504.f) {
        ASSERT_LE(std::fabs(back[i] - x[i]), std::fabs(x[i]) * rel + 1e-7f) << name << " " << i;
      }
    return;
  }
  if (bs == 256 || t == GgmlType::Q5_0) {
    // Q5_0 and the K-quants: on the gaussian rows, the root-mean-square error relative to the
    // row's is within the format's (ggml's own figures are about 0.03, 0.09, 0.045, 0.02).
    const double bound = t == GgmlType::Q5_0 ? 0.05 : t == GgmlType::Q4_K ? 0.12 : t == GgmlType::Q5_K ? 0.06 : 0.03;
    for (int64_t r = 0; r < 56; ++r) {
      double e2 = 0, x2 = 0;
      for (int64_t j = r * row; j < (r + 1) * row; ++j) {
        e2 += double(back[size_t(j)] - x[size_t(j)]) * double(back[size_t(j)] - x[size_t(j)]);
        x2 += double(x[size_t(j)]) * double(x[size_t(j)]);
      }
      ASSERT_LE(std::sqrt(e2 / x2), bound) << name << " row " << r;
    }
    return;
  }
  // Blocks: one step (amax / 8 for Q4_0's clamped end, half of amax / 127 for Q8_0) plus the
  // fp16 rounding of the scale, which is absolute for tiny (subnormal) scales.
  for (size_t b = 0; b < x.size() / size_t(bs); ++b) {
    float amax = 0.f;
    for (int64_t j = 0; j < bs; ++j) amax = std::max(amax, std::fabs(x[b * bs + j]));
    float tol = t == GgmlType::Q4_0 ? amax / 8.f : amax / 127.f;
    if (tol > 65504.f) continue;  // the fp16 scale overflows (ggml stores inf too)
    for (int64_t j = 0; j < bs; ++j)
      ASSERT_LE(std::fabs(back[b * bs + j] - x[b * bs + j]), tol * 1.01f + 1e-5f) << name << " block " << b;
  }
}

}  // namespace

TEST(BlockFormats, F16BytesEqualGgml) { expect_same_as_ggml(GgmlType::F16, "f16"); }
TEST(BlockFormats, Bf16BytesEqualGgml) { expect_same_as_ggml(GgmlType::BF16, "bf16"); }
TEST(BlockFormats, Q8_0BytesEqualGgml) { expect_same_as_ggml(GgmlType::Q8_0, "q8_0"); }
TEST(BlockFormats, Q4_0BytesEqualGgml) { expect_same_as_ggml(GgmlType::Q4_0, "q4_0"); }
TEST(BlockFormats, Q5_0BytesEqualGgml) { expect_same_as_ggml(GgmlType::Q5_0, "q5_0"); }
TEST(BlockFormats, Q4_KBytesEqualGgml) { expect_same_as_ggml(GgmlType::Q4_K, "q4_k"); }
TEST(BlockFormats, Q5_KBytesEqualGgml) { expect_same_as_ggml(GgmlType::Q5_K, "q5_k"); }
TEST(BlockFormats, Q6_KBytesEqualGgml) { expect_same_as_ggml(GgmlType::Q6_K, "q6_k"); }

TEST(BlockFormats, RowsThatAreNotWholeBlocksAreErrors) {
  std::vector<float> x(40, 1.f);
  std::vector<uint8_t> out(64);
  EXPECT_THROW(quant::quantize_row(GgmlType::Q8_0, x.data(), out.data(), 40), Error);
  std::vector<float> y(384, 1.f);
  std::vector<uint8_t> yout(512);
  EXPECT_THROW(quant::quantize_row(GgmlType::Q4_K, y.data(), yout.data(), 384), Error);
  EXPECT_THROW(quant::dequantize_row(GgmlType::Q6_K, yout.data(), y.data(), 384), Error);
  EXPECT_THROW(quant::quantize_row(GgmlType::Q2_K, y.data(), yout.data(), 256), Error);
}
