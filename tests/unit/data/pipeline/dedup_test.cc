// Dedup: pairs of documents built with a known word-5-gram Jaccard similarity (computed
// here from the shingle sets, independently of MinHash): at least 95% of the pairs at
// J >= 0.85 are merged, at most 1% of those at J <= 0.5; every exact copy is found; the
// first document of a cluster is the one kept.
#include <gtest/gtest.h>
#include <xxhash.h>

#include <fstream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>

#include "data/pipeline/dedup.h"
#include "data/pipeline/line_dedup.h"
#include "data/pipeline/runner.h"
#include "data/pipeline/words.h"
#include "core/error.h"
#include "support/oracle.h"

using namespace lmf::data::pipeline;

namespace {

std::vector<std::string> split(const std::string& s) {
  std::vector<std::string> w;
  std::istringstream ss(s);
  for (std::string x; ss >> x;) w.push_back(x);
  return w;
}

double shingle_jaccard(const std::string& x, const std::string& y) {
  auto shingles = [](const std::string& s) {
    auto w = split(s);
    std::set<std::string> out;
    for (size_t i = 0; i + 5 <= w.size(); ++i) out.insert(w[i] + " " + w[i + 1] + " " + w[i + 2] + " " + w[i + 3] + " " + w[i + 4]);
    return out;
  };
  auto a = shingles(x), b = shingles(y);
  size_t inter = 0;
  for (auto& s : a) inter += b.count(s);
  return double(inter) / double(a.size() + b.size() - inter);
}

}  // namespace

TEST(PipelineDedup, JaccardControlledPairs) {
  std::mt19937 rng(7);
  const std::string dir = lmf::test::temp_dir();
  std::ofstream out(dir + "/pairs.jsonl");
  struct Pair {
    double jaccard;
    int id;
  };
  std::vector<Pair> pairs;
  int word = 0;
  auto fresh = [&] { return "w" + std::to_string(word++); };
  for (int p = 0; p < 400; ++p) {
    const int length = 150 + int(rng() % 150);
    std::vector<std::string> a;
    for (int i = 0; i < length; ++i) a.push_back(fresh());
    std::vector<std::string> b = a;
    // High pairs: 1-3 substituted words far apart; low pairs: many substitutions.
    const int subs = p < 200 ? 1 + int(rng() % 3) * length / 200 : length / 8 + int(rng() % (length / 4));
    for (int s = 0; s < subs; ++s) b[rng() % b.size()] = fresh();
    std::string x, y;
    for (auto& w : a) x += w + " ";
    for (auto& w : b) y += w + " ";
    const double j = shingle_jaccard(x, y);
    pairs.push_back({j, p});
    out << nlohmann::json{{"text", x}, {"pair", p}}.dump() << "\n" << nlohmann::json{{"text", y}, {"pair", p}}.dump() << "\n";
  }
  // Exact copies (after the near pairs): 30 documents, each twice, one with other spacing and case.
  for (int e = 0; e < 30; ++e) {
    std::string x;
    for (int i = 0; i < 60; ++i) x += fresh() + " ";
    std::string y = "  " + x + "\n";
    for (auto& c : y) c = char(std::toupper((unsigned char)c));
    out << nlohmann::json{{"text", x}, {"pair", 1000 + e}}.dump() << "\n"
        << nlohmann::json{{"text", y}, {"pair", 1000 + e}}.dump() << "\n";
  }
  out.close();
  RunOptions o;
  o.inputs = {dir + "/pairs.jsonl"};
  o.out_dir = dir + "/out";
  o.progress = false;
  o.batch_bytes = 1 << 16;
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(std::make_unique<DedupStage>(DedupOptions{}));
  RunResult r = run_pipeline(stages, o);
  std::map<int, std::string> removed_reason;
  std::ifstream in(o.out_dir + "/removed.jsonl");
  for (std::string line; std::getline(in, line);) {
    auto j = nlohmann::json::parse(line);
    EXPECT_TRUE(removed_reason.emplace(j["pair"].get<int>(), j["reason"].get<std::string>()).second);
  }
  std::ifstream kin(o.out_dir + "/kept.jsonl");
  int high = 0, high_found = 0, low = 0, low_merged = 0;
  for (auto& p : pairs) {
    if (p.jaccard >= 0.85) ++high, high_found += removed_reason.count(p.id);
    if (p.jaccard <= 0.5) ++low, low_merged += removed_reason.count(p.id);
  }
  ASSERT_GE(high, 150);
  ASSERT_GE(low, 150);
  EXPECT_GE(double(high_found) / high, 0.95) << high_found << "/" << high;
  EXPECT_LE(double(low_merged) / low, 0.01) << low_merged << "/" << low;
  for (int e = 0; e < 30; ++e) EXPECT_EQ(removed_reason[1000 + e], "exact_duplicate") << e;
  // The kept member of each merged pair is the first (even input index).
  for (std::string line; std::getline(kin, line);) {
    auto j = nlohmann::json::parse(line);
    if (removed_reason.count(j["pair"].get<int>())) EXPECT_EQ(split(j["text"].get<std::string>())[0][0], 'w');
  }
  EXPECT_EQ(r.report["stages"][1]["cluster_sizes"]["2"].get<int>(), int(removed_reason.size()));
}

TEST(PipelineDedup, SignatureEstimatesJaccard) {
  // On random sets the fraction of equal values has mean J and sd sqrt(J(1-J)/256).
  DedupOptions o;
  MinHasher h(o);
  std::string x, y;
  for (int i = 0; i < 300; ++i) x += "a" + std::to_string(i) + " ";
  for (int i = 60; i < 360; ++i) y += "a" + std::to_string(i) + " ";
  const double j = shingle_jaccard(x, y);
  std::vector<uint32_t> sx(size_t(h.size())), sy(size_t(h.size()));
  h.signature(x, sx.data());
  h.signature(y, sy.data());
  EXPECT_NEAR(MinHasher::similarity(sx.data(), sy.data(), h.size()), j, 4 * std::sqrt(j * (1 - j) / 256));
}

TEST(PipelineDedup, SignatureIsTheDocumentedHashFamily) {
  // h_i(x) = (a_i·x + b_i) >> 32 over the shingle hashes, a_i odd and b_i drawn in turn from
  // mt19937_64(seed), as dedup.h defines it, computed here in plain 64-bit arithmetic; the
  // signature (split into 32-bit halves and vectorised) must equal it bit for bit, with a
  // number of hash functions that is not a multiple of the vector width too.
  for (int rows : {8, 5}) {
    DedupOptions o;
    o.bands = 3, o.rows = rows, o.seed = 1234;
    MinHasher h(o);
    std::mt19937_64 rng(o.seed);
    std::vector<uint64_t> a, b;
    for (int i = 0; i < h.size(); ++i) a.push_back(rng() | 1), b.push_back(rng());
    std::mt19937 pick(9);
    for (int doc = 0; doc < 40; ++doc) {
      std::string text;
      const int n = 1 + int(pick() % 300);
      for (int w = 0; w < n; ++w) text += "w" + std::to_string(pick() % 50) + (pick() % 7 ? " " : ". ");
      std::vector<uint64_t> words;
      word_hashes(text, words);
      const int k = std::min(o.ngram, int(words.size()));
      std::vector<uint32_t> want(size_t(h.size()), UINT32_MAX), got(size_t(h.size()));
      for (size_t i = 0; i + size_t(k) <= words.size(); ++i) {
        const uint64_t x = ngram_hash(&words[i], k);
        for (size_t f = 0; f < want.size(); ++f) want[f] = std::min(want[f], uint32_t((a[f] * x + b[f]) >> 32));
      }
      h.signature(text, got.data());
      ASSERT_EQ(got, want) << rows << " rows, document " << doc;
    }
  }
}

TEST(PipelineDedup, ExactHashIsOfTheLowerCasedCollapsedText) {
  // dedup.h: xxh3 of the text lower-cased (ASCII), white-space runs collapsed to one space,
  // trimmed; here built word by word, on texts with runs of every white-space byte falling
  // anywhere in the 64-byte blocks the hash scans.
  std::mt19937 rng(3);
  const char* spaces[] = {" ", "  ", "\t", "\n\n", " \r\n ", "\v\f", "   \t   "};
  for (int t = 0; t < 500; ++t) {
    std::string text, want;
    if (rng() % 2) text += spaces[rng() % 7];
    const int n = int(rng() % 50);
    for (int w = 0; w < n; ++w) {
      if (w) text += spaces[rng() % 7], want += ' ';
      const int len = 1 + int(rng() % 20);
      for (int k = 0; k < len; ++k) {
        const char c = char((rng() % 2 ? 'a' : 'A') + rng() % 26);
        text += c, want += char(std::tolower(c));
      }
    }
    if (rng() % 2) text += spaces[rng() % 7];
    ASSERT_EQ(MinHasher::exact_hash(text), XXH3_64bits(want.data(), want.size())) << t;
  }
}

TEST(PipelineDedup, ShardedRunsMatchOneRun) {
  // Pairs sit at input indexes 2p and 2p+1, so shards 0/2 and 1/2 each hold one member.
  std::mt19937 rng(11);
  const std::string dir = lmf::test::temp_dir(), in = dir + "/docs.jsonl";
  {
    std::ofstream out(in);
    int word = 0;
    for (int p = 0; p < 60; ++p) {
      std::vector<std::string> a;
      for (int i = 0; i < 120; ++i) a.push_back("s" + std::to_string(word++));
      std::string x, y;
      for (auto& w : a) x += w + " ";
      if (p % 3 == 0) a[rng() % a.size()] = "changed";  // near
      if (p % 3 == 1) a = {"unrelated", std::to_string(p)};  // different
      for (auto& w : a) y += w + " ";
      out << nlohmann::json{{"text", x}}.dump() << "\n" << nlohmann::json{{"text", y}}.dump() << "\n";
    }
  }
  auto removed = [](const std::string& out_dir) {
    std::map<int64_t, std::string> r;  // input index (from the detail's partner) -> reason
    std::ifstream f(out_dir + "/removed.jsonl");
    for (std::string line; std::getline(f, line);) {
      auto j = nlohmann::json::parse(line);
      r[std::stoll(j["detail"].get<std::string>().substr(std::string("duplicate of input document ").size()))] =
          j["reason"].get<std::string>();
    }
    return r;
  };
  auto run = [&](nlohmann::json settings, int shard, const std::string& out) {
    RunOptions o;
    o.inputs = {in};
    o.out_dir = out;
    o.progress = false;
    o.shard_index = shard;
    o.shard_count = shard < 0 ? 1 : 2;
    if (shard < 0) o.shard_index = 0;
    std::vector<std::unique_ptr<Stage>> stages;
    stages.push_back(std::make_unique<DedupStage>(DedupOptions::from_json(settings)));
    return run_pipeline(stages, o);
  };
  run(nlohmann::json::object(), -1, dir + "/whole");
  const auto want = removed(dir + "/whole");
  ASSERT_GE(want.size(), 30u);  // the 20 near and 20 exact pairs
  for (int s = 0; s < 2; ++s)
    EXPECT_EQ(run({{"signatures_out", dir + "/sig" + std::to_string(s)}}, s, dir + "/a" + std::to_string(s)).removed, 0);
  merge_dedup_signatures({dir + "/sig0", dir + "/sig1"}, DedupOptions{}, dir + "/removals.jsonl");
  std::map<int64_t, std::string> got;
  int64_t kept = 0;
  for (int s = 0; s < 2; ++s) {
    auto r = run({{"removals", dir + "/removals.jsonl"}}, s, dir + "/b" + std::to_string(s));
    kept += r.kept;
    for (auto& kv : removed(dir + "/b" + std::to_string(s))) got.insert(kv);
  }
  EXPECT_EQ(got, want);
  EXPECT_EQ(kept, 120 - int64_t(want.size()));
  DedupOptions other;
  other.bands = 16;
  EXPECT_THROW(merge_dedup_signatures({dir + "/sig0"}, other, dir + "/x.jsonl"), lmf::FormatError);
}

TEST(PipelineLineDedup, RepeatedLinesLeaveAllButTheFirstDocument) {
  const std::string dir = lmf::test::temp_dir();
  std::ofstream(dir + "/d.jsonl") << nlohmann::json{{"text", "Home | About\nFirst story.\nShare this"}}.dump() << "\n"
                                  << nlohmann::json{{"text", "home  |  ABOUT\nSecond story.\n\nShare this"}}.dump() << "\n"
                                  << nlohmann::json{{"text", "Share this\nHome | About"}}.dump() << "\n";
  RunOptions o;
  o.inputs = {dir + "/d.jsonl"};
  o.out_dir = dir + "/out";
  o.progress = false;
  std::vector<std::unique_ptr<Stage>> stages;
  stages.push_back(std::make_unique<LineDedupStage>());
  RunResult r = run_pipeline(stages, o);
  std::ifstream kept(o.out_dir + "/kept.jsonl"), removed(o.out_dir + "/removed.jsonl");
  std::string a, b, c;
  std::getline(kept, a);
  std::getline(kept, b);
  std::getline(removed, c);
  EXPECT_EQ(nlohmann::json::parse(a)["text"], "Home | About\nFirst story.\nShare this");
  EXPECT_EQ(nlohmann::json::parse(b)["text"], "Second story.\n");
  EXPECT_EQ(nlohmann::json::parse(c)["reason"], "empty_after_line_dedup");
  EXPECT_EQ(r.report["stages"][1]["counts"]["lines_removed"], 4);
}
