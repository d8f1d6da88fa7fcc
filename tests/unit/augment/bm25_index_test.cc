// BM25: the analyzer and the scores against tests/reference/bm25.py (the formula written
// from its definition), search order, save/load and damaged files.
#include <gtest/gtest.h>

#include <fstream>
#include <nlohmann/json.hpp>

#include "augment/analyzer.h"
#include "augment/bm25_index.h"
#include "core/error.h"
#include "support/oracle.h"

namespace lmf::augment {
namespace {

using nlohmann::json;

const std::vector<std::string> kDocs = {
    "The quick brown fox jumps over the lazy dog.",
    "A fox, a FOX and another fox: foxes everywhere!",
    "Straße und STRASSE sind gleich; İstanbul, ÉCOLE, école.",
    "Dogs and cats; the 42 cats sat on 7 mats (3rd time).",
    "Nothing here matches anything at all, really nothing.",
    "brown-bear_honey vs. brown bear honey",
    "Numbers: ½ and ⅓ and Ⅻ and 2024 and x86_64.",
    "fox",
};
const std::vector<std::string> kQueries = {"fox",          "quick brown dog", "strasse école",
                                           "cats 42 cats", "brown honey",     "istanbul",
                                           "Ⅻ ½ 2024",     "unseen words",    "the the the"};

json reference(double k1, double b) {
  const std::string dir = test::temp_dir();
  const std::string in = dir + "/bm25_in.json";
  std::ofstream(in) << json{{"docs", kDocs}, {"queries", kQueries}, {"k1", k1}, {"b", b}}.dump();
  std::string out;
  const int rc = test::run_command("/usr/bin/python3 " + test::source_path("tests/reference/bm25.py") + " " + in, &out);
  EXPECT_EQ(rc, 0);
  return json::parse(out);
}

TEST(Bm25Analyzer, EqualsTheReferenceAnalyzer) {
  const json ref = reference(1.2, 0.75);
  for (size_t d = 0; d < kDocs.size(); ++d)
    EXPECT_EQ(analyze(kDocs[d]), ref["terms"][d].get<std::vector<std::string>>()) << kDocs[d];
  EXPECT_EQ(analyze("Straße"), std::vector<std::string>{"strasse"});
  EXPECT_EQ(analyze("don't-stop x86_64"), (std::vector<std::string>{"don", "t", "stop", "x86", "64"}));
  EXPECT_TRUE(analyze(" ,.;- ").empty());
}

TEST(Bm25Analyzer, InvalidUtf8NamesTheByte) {
  try {
    analyze("abc \xff def");
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("byte 4"), std::string::npos) << e.what();
  }
}

TEST(Bm25Index, ScoresEqualTheReferenceFormula) {
  for (auto [k1, b] : {std::pair{1.2, 0.75}, std::pair{0.9, 0.4}, std::pair{2.0, 1.0}, std::pair{1.5, 0.0}}) {
    const json ref = reference(k1, b);
    Bm25Index index({k1, b});
    for (const std::string& d : kDocs) index.add(d);
    for (size_t q = 0; q < kQueries.size(); ++q) {
      for (size_t d = 0; d < kDocs.size(); ++d)
        EXPECT_NEAR(index.score(kQueries[q], uint32_t(d)), ref["scores"][q][d].get<double>(), 1e-6)
            << "k1 " << k1 << " b " << b << " query '" << kQueries[q] << "' doc " << d;
      // search() ranks exactly the rows with a positive reference score, best first.
      std::vector<std::pair<double, uint32_t>> want;
      for (size_t d = 0; d < kDocs.size(); ++d)
        if (double s = ref["scores"][q][d].get<double>(); s > 0) want.push_back({-s, uint32_t(d)});
      std::sort(want.begin(), want.end());
      const std::vector<Bm25Hit> got = index.search(kQueries[q], 100);
      ASSERT_EQ(got.size(), want.size()) << kQueries[q];
      for (size_t i = 0; i < got.size(); ++i) {
        EXPECT_EQ(got[i].row, want[i].second) << kQueries[q] << " rank " << i;
        EXPECT_NEAR(got[i].score, -want[i].first, 1e-6);
      }
    }
  }
}

TEST(Bm25Index, SearchKeepsTheBestKWithTiesByRow) {
  Bm25Index index;
  for (int i = 0; i < 5; ++i) index.add("same text here");
  index.add("other");
  const std::vector<Bm25Hit> hits = index.search("text", 3);
  ASSERT_EQ(hits.size(), 3u);
  EXPECT_EQ(hits[0].row, 0u);
  EXPECT_EQ(hits[1].row, 1u);
  EXPECT_EQ(hits[2].row, 2u);
  EXPECT_TRUE(index.search("text", 0).empty());
  EXPECT_TRUE(Bm25Index().search("text", 3).empty());
}

TEST(Bm25Index, SaveLoadRoundTripsAndDamageIsNamed) {
  Bm25Index index({1.1, 0.6});
  for (const std::string& d : kDocs) index.add(d);
  const std::string file = test::temp_dir() + "/bm25.bin";
  index.save(file);
  const Bm25Index back = Bm25Index::load(file);
  EXPECT_EQ(back.size(), index.size());
  EXPECT_EQ(back.params().k1, 1.1);
  for (const std::string& q : kQueries)
    for (uint32_t d = 0; d < kDocs.size(); ++d) EXPECT_EQ(back.score(q, d), index.score(q, d));

  std::ifstream in(file, std::ios::binary);
  const std::string bytes((std::istreambuf_iterator<char>(in)), {});
  auto expect_rejected = [&](const std::string& damaged, const std::string& what) {
    const std::string bad = test::temp_dir() + "/bad.bin";
    std::ofstream(bad, std::ios::binary) << damaged;
    try {
      Bm25Index::load(bad);
      ADD_FAILURE() << what << ": loaded";
    } catch (const FormatError& e) {
      EXPECT_NE(std::string(e.what()).find(bad), std::string::npos) << e.what();
    }
  };
  expect_rejected(bytes.substr(0, bytes.size() / 2), "truncated");
  expect_rejected("not an index at all", "garbage");
  expect_rejected(bytes + "x", "trailing byte");
  std::string flipped = bytes;
  flipped[bytes.size() - 8] ^= 0x7f;  // the last posting's row
  expect_rejected(flipped, "posting row");
}

TEST(Bm25Index, RejectsBadParameters) {
  EXPECT_THROW(Bm25Index({-1.0, 0.5}), Error);
  EXPECT_THROW(Bm25Index({1.2, 1.5}), Error);
}

}  // namespace
}  // namespace lmf::augment
