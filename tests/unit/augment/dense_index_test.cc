// DenseIndex: exact results of the flat index against a brute-force cosine search, recall
// of the HNSW graph (crossing the threshold and growing by increments), the saved file's
// round trip, and clear errors for corrupt files and bad vectors.
#include "augment/dense_index.h"

#include <gtest/gtest.h>
#include <xxhash.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <numeric>
#include <random>
#include <set>

#include "core/error.h"
#include "io/atomic_file.h"
#include "support/oracle.h"

using namespace lmf;
using augment::DenseHit;
using augment::DenseIndex;

namespace {

// n random unit vectors of dimension d (Gaussian, then L2-normalised).
std::vector<float> unit_vectors(int64_t n, int d, uint32_t seed) {
  std::mt19937 rng(seed);
  std::normal_distribution<float> normal;
  std::vector<float> x(size_t(n) * size_t(d));
  for (int64_t i = 0; i < n; ++i) {
    float* v = x.data() + i * d;
    double sq = 0;
    for (int j = 0; j < d; ++j) sq += double(v[j] = normal(rng)) * v[j];
    float inv = float(1.0 / std::sqrt(sq));
    for (int j = 0; j < d; ++j) v[j] *= inv;
  }
  return x;
}

// The k best rows by cosine (= inner product of unit vectors), computed in double, best first.
std::vector<std::vector<DenseHit>> brute_force(const std::vector<float>& x, const std::vector<float>& q, int d, int k) {
  int64_t n = int64_t(x.size()) / d, nq = int64_t(q.size()) / d;
  std::vector<std::vector<DenseHit>> out;
  std::vector<double> s(static_cast<size_t>(n));
  std::vector<int64_t> order(static_cast<size_t>(n));
  for (int64_t i = 0; i < nq; ++i) {
    for (int64_t r = 0; r < n; ++r) {
      double dot = 0;
      for (int j = 0; j < d; ++j) dot += double(q[size_t(i * d + j)]) * x[size_t(r * d + j)];
      s[size_t(r)] = dot;
    }
    std::iota(order.begin(), order.end(), 0);
    int kk = int(std::min<int64_t>(k, n));
    std::partial_sort(order.begin(), order.begin() + kk, order.end(),
                      [&](int64_t a, int64_t b) { return s[size_t(a)] > s[size_t(b)]; });
    std::vector<DenseHit> hits;
    for (int j = 0; j < kk; ++j) hits.push_back({order[size_t(j)], float(s[size_t(order[size_t(j)])])});
    out.push_back(hits);
  }
  return out;
}

template <class F>
std::string error_of(F&& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.what();
  }
  return "(no error)";
}

}  // namespace

TEST(DenseIndex, FlatMatchesBruteForceCosine) {
  const int d = 37;
  DenseIndex index(d);
  std::vector<float> x = unit_vectors(1500, d, 1);
  // Two adds: rows are numbered across them in add order.
  index.add(std::span<const float>(x).first(size_t(700) * d));
  index.add(std::span<const float>(x).subspan(size_t(700) * d));
  EXPECT_EQ(index.size(), 1500);
  EXPECT_EQ(index.dim(), d);
  EXPECT_EQ(index.kind(), "flat");
  std::vector<float> q = unit_vectors(25, d, 2);
  auto got = index.search(q, 10);
  auto want = brute_force(x, q, d, 10);
  ASSERT_EQ(got.size(), want.size());
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].size(), 10u);
    for (size_t j = 0; j < 10; ++j) {
      EXPECT_EQ(got[i][j].row, want[i][j].row) << "query " << i << " rank " << j;
      EXPECT_NEAR(got[i][j].score, want[i][j].score, 1e-5) << "query " << i << " rank " << j;
    }
  }
  // A vector finds itself first with cosine 1; k beyond the size returns every row.
  auto self = index.search(std::span<const float>(x).subspan(size_t(1234) * d, d), 5);
  EXPECT_EQ(self[0][0].row, 1234);
  EXPECT_NEAR(self[0][0].score, 1.0f, 1e-5);
  DenseIndex small(d);
  small.add(std::span<const float>(x).first(size_t(3) * d));
  auto all = small.search(q, 10);
  ASSERT_EQ(all[0].size(), 3u);
  EXPECT_EQ(DenseIndex(d).search(q, 4)[0].size(), 0u);  // empty index: no hits
}

// 100k random 16-dimensional unit vectors, added as 10k (flat), 50k (crosses kHnswFrom: the
// graph is built from the stored rows) and 40k (inserted into the graph). Recall@10 against
// the exact search over 300 queries; then the saved HNSW index answers the same.
TEST(DenseIndex, HnswRecallAgainstExactAndRoundTrip) {
  const int d = 16, k = 10;
  const int64_t n = 100'000;
  static_assert(DenseIndex::kHnswFrom > 10'000 && DenseIndex::kHnswFrom <= 60'000);
  std::vector<float> x = unit_vectors(n, d, 3);
  DenseIndex index(d);
  std::span<const float> all(x);
  index.add(all.first(size_t(10'000) * d));
  EXPECT_EQ(index.kind(), "flat");
  index.add(all.subspan(size_t(10'000) * d, size_t(50'000) * d));
  EXPECT_EQ(index.kind(), "hnsw");
  index.add(all.subspan(size_t(60'000) * d));
  EXPECT_EQ(index.kind(), "hnsw");
  EXPECT_EQ(index.size(), n);

  std::vector<float> q = unit_vectors(300, d, 4);
  auto got = index.search(q, k);
  auto want = brute_force(x, q, d, k);
  int64_t found = 0;
  for (size_t i = 0; i < got.size(); ++i) {
    ASSERT_EQ(got[i].size(), size_t(k));
    std::set<int64_t> truth;
    for (auto& h : want[i]) truth.insert(h.row);
    for (size_t j = 0; j < got[i].size(); ++j) {
      found += truth.count(got[i][j].row);
      if (j > 0) {
        EXPECT_GE(got[i][j - 1].score, got[i][j].score);  // best first
      }
      const float* v = x.data() + got[i][j].row * d;  // each score is that row's cosine
      double dot = 0;
      for (int c = 0; c < d; ++c) dot += double(v[c]) * q[i * d + size_t(c)];
      EXPECT_NEAR(got[i][j].score, dot, 1e-5);
    }
  }
  double recall = double(found) / double(k * got.size());
  EXPECT_GE(recall, 0.95);
  RecordProperty("recall_at_10", std::to_string(recall));
  // Rows added after the conversion are found: each of them is its own best match.
  auto self = index.search(all.subspan(size_t(99'999) * d, d), 1);
  EXPECT_EQ(self[0][0].row, 99'999);

  std::string file = test::temp_dir() + "/hnsw.dense";
  index.save(file);
  DenseIndex loaded = DenseIndex::load(file);
  EXPECT_EQ(loaded.kind(), "hnsw");
  EXPECT_EQ(loaded.size(), n);
  EXPECT_EQ(loaded.dim(), d);
  auto again = loaded.search(std::span<const float>(q).first(size_t(20) * d), k);
  for (size_t i = 0; i < again.size(); ++i)
    for (size_t j = 0; j < size_t(k); ++j) {
      EXPECT_EQ(again[i][j].row, got[i][j].row);
      EXPECT_EQ(again[i][j].score, got[i][j].score);
    }
}

TEST(DenseIndex, OneAddOfThresholdRowsIsHnsw) {
  const int d = 8;
  std::vector<float> x = unit_vectors(DenseIndex::kHnswFrom, d, 11);
  DenseIndex index(d);
  index.add(std::span<const float>(x).first(size_t(d)));  // one row: flat
  EXPECT_EQ(index.kind(), "flat");
  DenseIndex direct(d);
  direct.add(x);  // an empty index given kHnswFrom rows at once
  EXPECT_EQ(direct.kind(), "hnsw");
  EXPECT_EQ(direct.size(), DenseIndex::kHnswFrom);
  for (int64_t row : {int64_t(0), int64_t(12'345), DenseIndex::kHnswFrom - 1}) {
    auto hits = direct.search(std::span<const float>(x).subspan(size_t(row) * d, size_t(d)), 3);
    ASSERT_EQ(hits[0].size(), 3u);
    EXPECT_EQ(hits[0][0].row, row);
    EXPECT_NEAR(hits[0][0].score, 1.0f, 1e-5);
  }
}

TEST(DenseIndex, FlatSaveLoadRoundTripAndIncrementalAdd) {
  const int d = 8;
  std::vector<float> x = unit_vectors(300, d, 5);
  DenseIndex index(d);
  index.add(std::span<const float>(x).first(size_t(200) * d));
  std::string file = test::temp_dir() + "/flat.dense";
  index.save(file);
  DenseIndex loaded = DenseIndex::load(file);
  EXPECT_EQ(loaded.kind(), "flat");
  EXPECT_EQ(loaded.size(), 200);
  loaded.add(std::span<const float>(x).subspan(size_t(200) * d));  // grows after loading
  EXPECT_EQ(loaded.size(), 300);
  std::vector<float> q = unit_vectors(10, d, 6);
  auto got = loaded.search(q, 7);
  auto want = brute_force(x, q, d, 7);
  for (size_t i = 0; i < got.size(); ++i)
    for (size_t j = 0; j < 7; ++j) {
      EXPECT_EQ(got[i][j].row, want[i][j].row);
      EXPECT_NEAR(got[i][j].score, want[i][j].score, 1e-5);
    }
  DenseIndex empty(5);
  empty.save(file);
  EXPECT_EQ(DenseIndex::load(file).size(), 0);
  EXPECT_EQ(DenseIndex::load(file).dim(), 5);
}

TEST(DenseIndex, CorruptAndTruncatedFilesAreClearErrors) {
  const int d = 8;
  std::string dir = test::temp_dir();
  DenseIndex index(d);
  std::vector<float> x = unit_vectors(50, d, 7);
  index.add(x);
  index.save(dir + "/ok.dense");
  const std::string good = io::read_file(dir + "/ok.dense");
  const std::string bad = dir + "/bad.dense";
  auto load_error = [&](const std::string& bytes) {
    io::write_text_atomic(bad, bytes);
    std::string e = error_of([&] { DenseIndex::load(bad); });
    EXPECT_NE(e.find("bad.dense"), std::string::npos) << e;
    return e;
  };
  auto has = [](const std::string& e, const char* needle) { return e.find(needle) != std::string::npos; };
  EXPECT_TRUE(has(load_error(""), "truncated"));
  EXPECT_TRUE(has(load_error(good.substr(0, good.size() - 100)), "truncated"));
  EXPECT_TRUE(has(load_error("XXXXXXXX" + good.substr(8)), "bad magic"));
  std::string flipped = good;
  flipped[good.size() / 2] ^= 0x40;
  EXPECT_TRUE(has(load_error(flipped), "checksum"));
  EXPECT_TRUE(has(error_of([&] { DenseIndex::load(dir + "/missing.dense"); }), "cannot open"));

  // Files with a valid trailer whose contents are wrong: header fields, then the FAISS part.
  auto sealed = [](std::string header_and_blob) {
    uint64_t blob = header_and_blob.size() - 32, hash = XXH64(header_and_blob.data(), header_and_blob.size(), 0);
    header_and_blob.append(reinterpret_cast<const char*>(&blob), 8);
    header_and_blob.append(reinterpret_cast<const char*>(&hash), 8);
    return header_and_blob;
  };
  auto patched = [&](size_t offset, uint32_t value) {
    std::string body = good.substr(0, good.size() - 16);
    std::memcpy(body.data() + offset, &value, 4);
    return sealed(body);
  };
  io::write_text_atomic(bad, sealed(good.substr(0, good.size() - 16)));  // resealing unchanged bytes: still valid
  EXPECT_EQ(DenseIndex::load(bad).size(), 50);
  EXPECT_TRUE(has(load_error(patched(8, 99)), "version 99"));
  EXPECT_TRUE(has(load_error(patched(12, 9)), "does not match the header"));
  EXPECT_TRUE(has(load_error(patched(16, 1)), "not the kind"));
  EXPECT_TRUE(has(load_error(patched(16, 7)), "unknown index kind 7"));
  std::string header = good.substr(0, 32);
  EXPECT_TRUE(has(load_error(sealed(header + std::string(64, 'z'))), "FAISS cannot read it"));
  EXPECT_TRUE(has(load_error(sealed(good.substr(0, 32 + (good.size() - 48) / 2))), "FAISS cannot read it"));
}

TEST(DenseIndex, BadVectorsAreClearErrors) {
  const int d = 4;
  DenseIndex index(d);
  std::vector<float> x = unit_vectors(3, d, 8);
  index.add(x);
  std::vector<float> more = unit_vectors(5, d, 9);
  more[size_t(2) * d] *= 3;  // the third new row, row 5 of the index
  std::string e = error_of([&] { index.add(more); });
  EXPECT_NE(e.find("row 5 is not L2-normalised"), std::string::npos) << e;
  EXPECT_EQ(index.size(), 3);  // nothing of a refused add is kept
  more = unit_vectors(2, d, 10);
  more[1] = NAN;
  e = error_of([&] { index.add(more); });
  EXPECT_NE(e.find("row 3 is not L2-normalised"), std::string::npos) << e;
  std::vector<float> zero(d, 0.0f);
  EXPECT_NE(error_of([&] { index.add(zero); }).find("row 3"), std::string::npos);
  // Wrong dimension: a buffer that is not whole rows.
  std::vector<float> odd(7, 0.5f);
  e = error_of([&] { index.add(odd); });
  EXPECT_NE(e.find("not a multiple of the dimension 4"), std::string::npos) << e;
  e = error_of([&] { index.search(odd, 3); });
  EXPECT_NE(e.find("not a multiple of the dimension 4"), std::string::npos) << e;
  std::vector<float> q = {1, 1, 0, 0};
  e = error_of([&] { index.search(q, 3); });
  EXPECT_NE(e.find("queries row 0 is not L2-normalised"), std::string::npos) << e;
  e = error_of([&] { index.search(std::span<const float>(x).first(d), 0); });
  EXPECT_NE(e.find("k must be at least 1"), std::string::npos) << e;
  EXPECT_NE(error_of([] { DenseIndex bad(0); }).find("dimension must be at least 1"), std::string::npos);
}
