// KL divergence of a model from a reference (src/eval/kl_divergence.h) and `lmforge eval
// --model Q.gguf --reference DIR --data SHARD`, against tests/reference/kl_divergence.py:
// the statistics of the same logits; the whole measure of a Q4_0 file (lmforge's export of
// a small Llama, read back) against its F32 model, with the reference decoders of
// tests/reference/models.py running the dequantized weights; a model against itself; the
// command's JSON and table; different vocabularies refused.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <random>

#include "core/error.h"
#include "data/token_shard.h"
#include "eval/kl_divergence.h"
#include "finetune/export_gguf.h"
#include "io/atomic_file.h"
#include "models/checkpoint.h"
#include "support/oracle.h"
#include "support/scaled_model.h"
#include "tokenizer/trainer.h"

using namespace lmf;
using nlohmann::json;

namespace {

const std::string kBin = LMFORGE_BINARY;
const char* kText = "tasks/brown_perplexity/test.jsonl";  // Brown corpus passages (as JSON lines)

// A small Llama (untied head, 4 heads sharing 2 key/value heads) with a tokenizer trained
// on kText, its weights scaled up so its distributions are far from uniform.
void make_model(const std::string& dir, int64_t vocab) {
  test::write_scaled_model(dir, {.vocab = vocab, .width = 64, .kv_heads = 2, .inner = 128, .positions = 64, .seed = 7, .scale = 5.f},
                           test::trained_tokenizer({io::read_file(test::source_path(kText))}, 300, {"<|endoftext|>"}));
}

// 203 ids of kText: 12 windows of 16 tokens with 10 left over.
std::vector<int32_t> text_ids(const std::string& model_dir) {
  const tok::Tokenizer tk = tok::Tokenizer::load(model_dir + "/tokenizer.json");
  std::vector<int32_t> ids = tk.encode(io::read_file(test::source_path(kText)));
  ids.resize(203);
  return ids;
}

double field(const test::TensorMap& m, const std::string& k) { return m.at(k).to_vector()[0]; }

void expect_near_rel(double got, double want, double rel, const std::string& what) {
  EXPECT_NEAR(got, want, rel * std::max(std::abs(want), 1e-12)) << what;
}

// Every statistic of `r` against the reference's, to `rel` (top-1 agreement: up to `top1_slack` positions).
void expect_report(const eval::KlDivergenceReport& r, const test::TensorMap& want, double rel, int top1_slack) {
  EXPECT_EQ(r.positions, int64_t(field(want, "positions")));
  expect_near_rel(r.loss_reference, field(want, "loss_reference"), rel, "loss_reference");
  expect_near_rel(r.loss_model, field(want, "loss_model"), rel, "loss_model");
  expect_near_rel(r.ppl_reference, field(want, "ppl_reference"), rel, "ppl_reference");
  expect_near_rel(r.ppl_model, field(want, "ppl_model"), rel, "ppl_model");
  expect_near_rel(r.kl_mean, field(want, "kl_mean"), rel, "kl_mean");
  expect_near_rel(r.kl_stderr, field(want, "kl_stderr"), rel, "kl_stderr");
  expect_near_rel(r.kl_median, field(want, "kl_median"), rel, "kl_median");
  expect_near_rel(r.kl_p99, field(want, "kl_p99"), rel, "kl_p99");
  expect_near_rel(r.kl_p999, field(want, "kl_p999"), rel, "kl_p999");
  expect_near_rel(r.kl_max, field(want, "kl_max"), rel, "kl_max");
  EXPECT_NEAR(r.top1_agreement, field(want, "top1_agreement"), (top1_slack + 0.5) / double(r.positions));
  if (top1_slack == 0) expect_near_rel(r.top1_stderr, field(want, "top1_stderr"), rel, "top1_stderr");
  expect_near_rel(r.rms_delta_p, field(want, "rms_delta_p"), rel, "rms_delta_p");
}

struct Fixture {
  std::string dir, ref, gguf, dequantized, shard;
};

// The model, its Q4_0 file, the file's weights as lmforge reads them (a model directory)
// and a shard of text.
const Fixture& fixture() {
  static const Fixture f = [] {
    Fixture f;
    f.dir = test::temp_dir();
    f.ref = f.dir + "/f32";
    make_model(f.ref, 320);
    f.gguf = f.dir + "/q4_0.gguf";
    ft::export_gguf({f.ref, "", "q4_0", f.gguf, ""});
    f.dequantized = f.dir + "/q4_0";
    save_model(load_model(f.gguf), f.dequantized);
    f.shard = f.dir + "/text.bin";
    data::write_token_shard(f.shard, text_ids(f.ref));
    return f;
  }();
  return f;
}

}  // namespace

TEST(KlDivergence, StatisticsEqualReferenceOnTheSameLogits) {
  // 301 positions over 40 tokens: random logits, the model's a perturbation of the
  // reference's (larger on some rows), a few rows identical (KL 0).
  const int64_t n = 301, V = 40;
  std::mt19937 rng(3);
  std::normal_distribution<float> g(0.f, 2.f);
  std::vector<float> p(size_t(n * V)), q(size_t(n * V));
  std::vector<int32_t> y(static_cast<size_t>(n));
  for (int64_t i = 0; i < n; ++i) {
    const float scale = i % 7 == 0 ? 1.5f : i % 11 == 0 ? 0.f : 0.2f;
    for (int64_t v = 0; v < V; ++v) {
      p[size_t(i * V + v)] = g(rng);
      q[size_t(i * V + v)] = p[size_t(i * V + v)] + scale * g(rng);
    }
    y[size_t(i)] = int32_t(rng() % V);
  }
  eval::KlDivergenceStats stats;
  for (int64_t i = 0; i < n; ++i) stats.add(eval::position_divergence(&p[size_t(i * V)], &q[size_t(i * V)], V, y[size_t(i)]));
  const eval::KlDivergenceReport r = stats.report();
  const test::TensorMap want = test::torch_ref(
      "kl_divergence", "stats",
      {{"reference", Tensor::from_vector(p, {n, V})}, {"model", Tensor::from_vector(q, {n, V})}, {"targets", Tensor::from_ints(y, {n})}});
  expect_report(r, want, 1e-6, 0);
  EXPECT_GT(r.top1_agreement, 0.5);
  EXPECT_LT(r.top1_agreement, 1.0);

  eval::KlDivergenceStats one;
  one.add(eval::position_divergence(p.data(), q.data(), V, 0));
  EXPECT_THROW(one.report(), Error);
}

TEST(KlDivergence, PercentileInterpolatesAsNumpy) {
  const std::vector<double> v = {1, 2, 4, 8, 16};
  EXPECT_DOUBLE_EQ(eval::interpolated_percentile(v, 0.5), 4);
  EXPECT_DOUBLE_EQ(eval::interpolated_percentile(v, 0.99), 8 + 0.96 * 8);  // numpy.percentile(v, 99)
  EXPECT_DOUBLE_EQ(eval::interpolated_percentile(v, 0.0), 1);
  EXPECT_DOUBLE_EQ(eval::interpolated_percentile(v, 1.0), 16);
}

TEST(KlDivergence, QuantizedFileAgainstItsModelEqualsReference) {
  const Fixture& f = fixture();
  Transformer ref = load_model(f.ref), q = load_model(f.gguf);
  const eval::KlDivergenceReport r = eval::model_kl_divergence(ref, q, f.ref, f.gguf, f.shard, 16, 8, 5);
  EXPECT_EQ(r.windows, 12);
  EXPECT_EQ(r.T, 16);
  EXPECT_EQ(r.first, 8);
  EXPECT_EQ(r.positions, 12 * 8);
  auto s = data::TokenShard::open(f.shard);
  std::vector<int32_t> ids(s.size());
  s.read(0, s.size(), ids.data());
  const test::TensorMap want =
      test::torch_ref("kl_divergence", "divergence", {{"tokens", Tensor::from_ints(ids, {int64_t(ids.size())})}},
                      {{"reference", f.ref}, {"model", f.dequantized}, {"T", 16}, {"first", 8}});
  std::printf("Q4_0 from F32 (%lld positions): ppl %.4f / %.4f, KL mean %.6f ± %.6f, median %.6f, 99%% %.6f, max %.6f, "
              "same top-1 %.4f, RMS dp %.4f\n",
              (long long)r.positions, r.ppl_reference, r.ppl_model, r.kl_mean, r.kl_stderr, r.kl_median, r.kl_p99,
              r.kl_max, r.top1_agreement, r.rms_delta_p);
  // lmforge's float32 forward against the float64 reference decoders (measured: within
  // 1e-5 relative, every top-1 the same).
  expect_report(r, want, 1e-4, 0);
  EXPECT_GT(r.kl_mean, 1e-3);  // a real divergence, not a copy of the reference
  EXPECT_LT(r.top1_agreement, 1.0);
}

TEST(KlDivergence, ModelAgainstItselfIsZero) {
  const Fixture& f = fixture();
  Transformer a = load_model(f.gguf), b = load_model(f.gguf);
  const eval::KlDivergenceReport r = eval::model_kl_divergence(a, b, f.gguf, f.gguf, f.shard, 0, -1, 3);
  EXPECT_EQ(r.T, 64);
  EXPECT_EQ(r.first, 32);
  EXPECT_EQ(r.windows, 3);
  EXPECT_EQ(r.kl_mean, 0.0);
  EXPECT_EQ(r.kl_max, 0.0);
  EXPECT_EQ(r.top1_agreement, 1.0);
  EXPECT_EQ(r.rms_delta_p, 0.0);
  EXPECT_EQ(r.ppl_reference, r.ppl_model);
}

TEST(KlDivergence, RefusesDifferentVocabulariesAndBadWindows) {
  const Fixture& f = fixture();
  const std::string other = f.dir + "/v512";
  make_model(other, 512);
  Transformer ref = load_model(other), q = load_model(f.gguf);
  try {
    eval::model_kl_divergence(ref, q, other, f.gguf, f.shard, 16, 8, 1);
    FAIL() << "different vocabularies accepted";
  } catch (const Error& e) {
    const std::string m = e.what();
    EXPECT_NE(m.find(other), std::string::npos) << m;
    EXPECT_NE(m.find(f.gguf), std::string::npos) << m;
    EXPECT_NE(m.find("512"), std::string::npos) << m;
  }
  Transformer r2 = load_model(f.ref);
  EXPECT_THROW(eval::model_kl_divergence(r2, q, f.ref, f.gguf, f.shard, 65, -1, 1), Error);
  EXPECT_THROW(eval::model_kl_divergence(r2, q, f.ref, f.gguf, f.shard, 16, 16, 1), Error);
  data::write_token_shard(f.dir + "/big.bin", std::vector<int32_t>(40, 400));
  try {
    eval::model_kl_divergence(r2, q, f.ref, f.gguf, f.dir + "/big.bin", 16, 8, 1);
    FAIL() << "id 400 accepted with a vocabulary of 320";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("big.bin"), std::string::npos) << e.what();
  }
}

TEST(KlDivergence, EvalCommandPrintsTheReport) {
  const Fixture& f = fixture();
  std::string out;
  const std::string args = " eval --model " + f.gguf + " --reference " + f.ref + " --data " + f.shard + " --seq 16 --batch 5";
  ASSERT_EQ(test::run_command(kBin + args + " --json 2>&1", &out), 0) << out;
  const json got = json::parse(out);
  Transformer ref = load_model(f.ref), q = load_model(f.gguf);
  const eval::KlDivergenceReport r = eval::model_kl_divergence(ref, q, f.ref, f.gguf, f.shard, 16, 8, 5);
  EXPECT_EQ(got["positions"].get<int64_t>(), r.positions);
  EXPECT_EQ(got["first_scored"].get<int64_t>(), 8);
  EXPECT_DOUBLE_EQ(got["kl_divergence"]["mean"].get<double>(), r.kl_mean);
  EXPECT_DOUBLE_EQ(got["kl_divergence"]["p99"].get<double>(), r.kl_p99);
  EXPECT_DOUBLE_EQ(got["same_top1"]["share"].get<double>(), r.top1_agreement);
  EXPECT_DOUBLE_EQ(got["reference"]["ppl"].get<double>(), r.ppl_reference);
  EXPECT_DOUBLE_EQ(got["model"]["ppl"].get<double>(), r.ppl_model);

  ASSERT_EQ(test::run_command(kBin + args + " 2>&1", &out), 0) << out;
  EXPECT_NE(out.find("96 predictions: positions 8..15 of 12 windows of 16 tokens"), std::string::npos) << out;
  EXPECT_NE(out.find("KL divergence"), std::string::npos) << out;
  EXPECT_NE(out.find("same top-1"), std::string::npos) << out;

  EXPECT_NE(test::run_command(kBin + " eval --model " + f.gguf + " --reference " + f.ref + " 2>&1", &out), 0);
  EXPECT_NE(out.find("--data"), std::string::npos) << out;
  const std::string other = f.dir + "/v512";
  if (!std::filesystem::exists(other)) make_model(other, 512);
  EXPECT_NE(test::run_command(kBin + " eval --model " + f.gguf + " --reference " + other + " --data " + f.shard + " 2>&1", &out), 0);
  EXPECT_NE(out.find("vocabulary"), std::string::npos) << out;
  EXPECT_NE(out.find(other), std::string::npos) << out;
}
