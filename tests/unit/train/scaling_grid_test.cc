// `lmforge scaling` end to end on a tiny shard: a 3-size x 2-budget grid trains, writes
// points.jsonl (N = the non-embedding parameter count of each size, D = the tokens its
// steps saw), fit.json and scaling.svg (its measured series read back from the picture
// equal the points); a second run reuses every point; other shared options are refused.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <nlohmann/json.hpp>

#include "data/token_shard.h"
#include "io/atomic_file.h"
#include "support/oracle.h"
#include "train/scaling/grid.h"
#include "train/scaling/points.h"

using namespace lmf;
using nlohmann::json;

namespace {

// A shard with learnable structure: a noisy cycle over a 64-token vocabulary.
std::string tiny_data() {
  const std::string dir = test::temp_dir();
  constexpr int64_t V = 64, n = 6000;
  std::vector<TokenId> ids(n);
  uint64_t s = 12345;
  for (int64_t i = 0; i < n; ++i) {
    s = s * 6364136223846793005ull + 1442695040888963407ull;
    ids[size_t(i)] = TokenId(((i % 11) * 5 + int64_t((s >> 33) % 3)) % V);
  }
  data::write_token_shard(dir + "/train.bin", ids);
  data::write_token_shard(dir + "/val.bin", std::vector<TokenId>(ids.begin(), ids.begin() + 1500));
  io::write_text_atomic(dir + "/meta.json", json{{"vocab_size", V}}.dump());
  return dir;
}

// GPT-2's parameters outside the embeddings, counted from the architecture: per layer
// c_attn (C x 3C + 3C), c_proj (C x C + C), two LayerNorms (4C), the MLP (C x 4C + 4C,
// 4C x C + C); then ln_f (2C).
double non_embedding(int64_t L, int64_t C) { return double(L * (12 * C * C + 13 * C) + 2 * C); }

}  // namespace

TEST(ScalingGrid, TrainsFitsPlotsAndResumes) {
  const std::string data = tiny_data(), out = test::temp_dir() + "/grid";
  const std::string cmd = std::string(LMFORGE_BINARY) + " scaling --data " + data + " --out " + out +
                          " --sizes 1x16,1x32,2x32x4 --tokens 100,256 --batch 4 --seq 16 --eval-batches 4"
                          " --start-grid quick --threads 1";
  std::string log;
  ASSERT_EQ(test::run_command(cmd + " 2>&1", &log), 0) << log;
  EXPECT_NE(log.find("L(N, D) = E + A/N^alpha + B/D^beta"), std::string::npos) << log;
  EXPECT_NE(log.find("0.076"), std::string::npos);

  const std::vector<train::scaling::Point> pts = train::scaling::read_points(out + "/points.jsonl");
  ASSERT_EQ(pts.size(), 6u);
  const std::map<std::string, double> want_n = {{"1x16", non_embedding(1, 16)}, {"1x32", non_embedding(1, 32)},
                                                {"2x32x4", non_embedding(2, 32)}};
  for (const auto& p : pts) {
    const std::string size = p.row["size"];
    EXPECT_EQ(p.N, want_n.at(size)) << size;
    // 100 tokens round up to 2 steps of 64, 256 are 4 steps.
    EXPECT_TRUE(p.D == 128 || p.D == 256) << p.D;
    EXPECT_EQ(p.row["steps"].get<double>() * 64, p.D);
    EXPECT_TRUE(std::isfinite(p.loss) && p.loss > 0 && p.loss < 10) << p.loss;
  }
  EXPECT_EQ(pts[0].row["n_head"], 1);
  EXPECT_EQ(pts[4].row["n_head"], 4);

  const json fit = json::parse(io::read_file(out + "/fit.json"));
  EXPECT_EQ(fit["points"].size(), 6u);
  EXPECT_EQ(fit["chinchilla"]["starts"], 36);
  EXPECT_TRUE(fit["chinchilla"]["alpha"].is_number());

  // The chart's measured points, read back through its tick labels, are (log10 N, loss).
  std::string svg_json;
  ASSERT_EQ(test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/check_svg.py") + " " + out +
                                  "/scaling.svg",
                              &svg_json),
            0);
  const json chart = json::parse(svg_json);
  for (double d : {128.0, 256.0}) {
    const std::string name = "D = " + std::to_string(int(d)) + " measured";
    ASSERT_TRUE(chart["series"].contains(name)) << chart["legend"];
    const json& s = chart["series"][name];
    ASSERT_EQ(s.size(), 3u);
    std::vector<const train::scaling::Point*> at_d;
    for (const auto& p : pts)
      if (p.D == d) at_d.push_back(&p);
    std::sort(at_d.begin(), at_d.end(), [](auto* a, auto* b) { return a->N < b->N; });
    for (size_t i = 0; i < 3; ++i) {
      EXPECT_NEAR(s[i][0].get<double>(), std::log10(at_d[i]->N), 0.01);
      EXPECT_NEAR(s[i][1].get<double>(), at_d[i]->loss, 0.01 * at_d[i]->loss);
    }
  }

  // Run again: every point is found done, nothing changes.
  const std::string before = io::read_file(out + "/points.jsonl");
  ASSERT_EQ(test::run_command(cmd + " 2>&1", &log), 0) << log;
  size_t reused = 0;
  for (size_t at = log.find("(done before)"); at != std::string::npos; at = log.find("(done before)", at + 1)) ++reused;
  EXPECT_EQ(reused, 6u) << log;
  EXPECT_EQ(io::read_file(out + "/points.jsonl"), before);

  // The same directory with another learning rate is refused, not mixed.
  EXPECT_EQ(test::run_command(cmd + " --lr 1e-3 2>&1", &log), 1);
  EXPECT_NE(log.find("other options"), std::string::npos) << log;
}

TEST(ScalingGrid, SizesParse) {
  const auto s = train::scaling::parse_size("4x128");
  EXPECT_EQ(s.n_layer, 4);
  EXPECT_EQ(s.n_embd, 128);
  EXPECT_EQ(s.n_head, 8);
  EXPECT_EQ(train::scaling::parse_size("2x48x3").n_head, 3);
  EXPECT_THROW(train::scaling::parse_size("2x40"), Error);
  EXPECT_THROW(train::scaling::parse_size("2x48x5"), Error);
  EXPECT_THROW(train::scaling::parse_size("big"), Error);
}
