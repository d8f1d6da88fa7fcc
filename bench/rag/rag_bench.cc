// bench_rag: lmforge's side of bench/rag (bench/rag/run drives it; the Xapian side is
// bench/rag/xapian/xapian_bm25.cc). Each subcommand prints one JSON object; every
// measuring step runs in a process of its own, so its peak RSS is its own.
//
//   bench_rag chunks OUT_DIR TOTAL QUERIES
//       The shipped corpora's sentence chunks (corpus_chunks.h), repeated in order until
//       TOTAL chunks: OUT_DIR/chunks.txt, one a line. OUT_DIR/queries.txt: QUERIES queries,
//       the first 5 words of evenly spaced chunks of the unrepeated set (of those
//       indexed, when TOTAL is smaller).
//   bench_rag bm25-build CHUNKS INDEX K1 B
//       Adds every chunk to an augment::Bm25Index and saves it to INDEX; build time = the
//       adds and the save (the file on disk, as the Xapian side commits its database).
//   bench_rag bm25-query INDEX QUERIES K TOPK_OUT
//       Loads INDEX, then times each query's search(query, K) alone (the query's analysis
//       included). TOPK_OUT: the rows found, one line a query.
//   bench_rag dense N DIM QUERIES RECALL_SAMPLE INDEX
//       N synthetic unit vectors of DIM dimensions (below) into an augment::DenseIndex
//       (HNSW: N >= kHnswFrom), saved to INDEX; QUERIES queries timed one at a time, k = 10;
//       recall@10 of the first RECALL_SAMPLE queries against an exact search (FAISS flat).
//       The vectors: z ~ N(0, I_16), x = normalise(A z + 0.25 e), A a fixed random DIM x 16
//       matrix with N(0, 1/16) entries, e ~ N(0, I_DIM): a 16-dimensional structure with
//       isotropic noise, as sentence embeddings have a low intrinsic dimension (random unit
//       vectors of DIM dimensions, which have none, are a graph index's worst case).
#include <faiss/IndexFlat.h>
#include <omp.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <random>
#include <set>
#include <sstream>

#include "augment/bm25_index.h"
#include "augment/dense_index.h"
#include "bench_util.h"
#include "core/error.h"
#include "corpus_chunks.h"

using nlohmann::json;
using namespace rag_bench;

namespace {

void make_chunks(const std::string& out_dir, size_t total, size_t queries) {
  double t0 = now_s();
  auto corpora = shipped_corpus_chunks(LMFORGE_SOURCE_DIR, "/usr/share/wordnet");
  std::vector<const std::string*> base;
  json per = json::array();
  for (auto& c : corpora) {
    size_t bytes = 0;
    for (auto& s : c.chunks) base.push_back(&s), bytes += s.size();
    per.push_back({{"name", c.name}, {"chunks", c.chunks.size()}, {"bytes", bytes}});
  }
  std::ofstream out(out_dir + "/chunks.txt");
  size_t bytes = 0;
  for (size_t i = 0; i < total; ++i) {
    const std::string& s = *base[i % base.size()];
    out << s << '\n';
    bytes += s.size();
  }
  std::ofstream q(out_dir + "/queries.txt");
  const size_t indexed = std::min(total, base.size());  // queries come from indexed chunks
  for (size_t i = 0; i < queries; ++i) {
    std::istringstream words(*base[(i * indexed) / queries + indexed / (2 * queries)]);
    std::string w, query;
    for (int n = 0; n < 5 && words >> w; ++n) query += (n ? " " : "") + w;
    q << query << '\n';
  }
  if (!out || !q) throw lmf::Error("cannot write the chunks to " + out_dir);
  std::cout << json{{"corpora", per}, {"base_chunks", base.size()}, {"chunks", total}, {"bytes", bytes},
                    {"queries", queries}, {"seconds", now_s() - t0}}
                   .dump()
            << "\n";
}

void bm25_build(const std::string& chunks_file, const std::string& index_file, double k1, double b) {
  auto chunks = read_lines(chunks_file);
  size_t bytes = 0;
  for (auto& c : chunks) bytes += c.size();
  double w0 = now_s(), c0 = cpu_s();
  lmf::augment::Bm25Index index({k1, b});
  for (auto& c : chunks) index.add(c);
  double w1 = now_s();
  index.save(index_file);
  double w2 = now_s(), c2 = cpu_s();
  std::cout << json{{"chunks", chunks.size()}, {"bytes", bytes}, {"add_s", w1 - w0}, {"save_s", w2 - w1},
                    {"build_s", w2 - w0}, {"build_cpu_s", c2 - c0},
                    {"index_bytes", std::filesystem::file_size(index_file)}, {"peak_rss_kb", peak_rss_kb()}}
                   .dump()
            << "\n";
}

void bm25_query(const std::string& index_file, const std::string& queries_file, int k, const std::string& topk_out) {
  auto queries = read_lines(queries_file);
  double l0 = now_s();
  auto index = lmf::augment::Bm25Index::load(index_file);
  double l1 = now_s();
  std::vector<double> ms;
  std::vector<std::vector<int64_t>> rows;
  double c0 = cpu_s(), w0 = now_s();
  for (auto& q : queries) {
    double t = now_s();
    auto hits = index.search(q, k);
    ms.push_back(1e3 * (now_s() - t));
    std::vector<int64_t> r;
    for (auto& h : hits) r.push_back(h.row);
    rows.push_back(std::move(r));
  }
  double w1 = now_s(), c1 = cpu_s();
  write_topk(topk_out, rows);
  std::cout << json{{"queries", queries.size()}, {"k", k}, {"load_s", l1 - l0}, {"p50_ms", percentile(ms, 50)},
                    {"p99_ms", percentile(ms, 99)}, {"mean_ms", (w1 - w0) * 1e3 / double(queries.size())},
                    {"cpu_s", c1 - c0}, {"peak_rss_kb", peak_rss_kb()}}
                   .dump()
            << "\n";
}

std::vector<float> synthetic(int64_t n, int dim, const std::vector<float>& a, uint32_t seed) {
  const int latent = 16;
  std::vector<float> x(size_t(n) * size_t(dim));
#pragma omp parallel for schedule(static)
  for (int64_t i = 0; i < n; ++i) {
    std::mt19937_64 rng(seed * 0x9E3779B97F4A7C15ull + uint64_t(i));
    std::normal_distribution<float> normal;
    float z[latent];
    for (float& v : z) v = normal(rng);
    float* row = x.data() + i * dim;
    double sq = 0;
    for (int j = 0; j < dim; ++j) {
      float s = 0.25f * normal(rng);
      for (int l = 0; l < latent; ++l) s += a[size_t(j) * latent + size_t(l)] * z[l];
      row[j] = s;
      sq += double(s) * s;
    }
    float inv = float(1 / std::sqrt(sq));
    for (int j = 0; j < dim; ++j) row[j] *= inv;
  }
  return x;
}

void dense(int64_t n, int dim, int nq, int sample, const std::string& index_file) {
  const int k = 10, latent = 16;
  std::mt19937 rng(7);
  std::normal_distribution<float> normal(0.0f, 0.25f);  // N(0, 1/16)
  std::vector<float> a(size_t(dim) * latent);
  for (float& v : a) v = normal(rng);
  double g0 = now_s();
  std::vector<float> x = synthetic(n, dim, a, 1), q = synthetic(nq, dim, a, 2);
  double g1 = now_s();

  double w0 = now_s(), c0 = cpu_s();
  lmf::augment::DenseIndex index(dim);
  index.add(x);
  double w1 = now_s(), c1 = cpu_s();
  index.save(index_file);
  double w2 = now_s();

  std::vector<double> ms;
  std::vector<std::vector<lmf::augment::DenseHit>> found;
  for (int i = 0; i < nq; ++i) {
    double t = now_s();
    auto hits = index.search(std::span<const float>(q).subspan(size_t(i) * dim, size_t(dim)), k);
    ms.push_back(1e3 * (now_s() - t));
    found.push_back(std::move(hits[0]));
  }
  double b0 = now_s();
  index.search(q, k);  // all queries in one call (FAISS spreads them over the threads)
  double b1 = now_s();

  faiss::IndexFlatIP exact(dim);
  exact.add(n, x.data());
  std::vector<float> d(size_t(sample) * k);
  std::vector<faiss::Index::idx_t> truth(size_t(sample) * k);
  exact.search(sample, q.data(), k, d.data(), truth.data());
  int64_t hit = 0;
  for (int i = 0; i < sample; ++i) {
    std::set<int64_t> t(truth.begin() + i * k, truth.begin() + (i + 1) * k);
    for (auto& h : found[size_t(i)]) hit += int64_t(t.count(h.row));
  }
  std::cout << json{{"n", n}, {"dim", dim}, {"kind", index.kind()}, {"threads", omp_get_max_threads()},
                    {"M", lmf::augment::DenseIndex::kHnswM}, {"ef_construction", lmf::augment::DenseIndex::kEfConstruction},
                    {"ef_search", lmf::augment::DenseIndex::kEfSearch}, {"generate_s", g1 - g0},
                    {"build_s", w1 - w0}, {"build_cpu_s", c1 - c0}, {"save_s", w2 - w1},
                    {"index_bytes", std::filesystem::file_size(index_file)}, {"queries", nq},
                    {"p50_ms", percentile(ms, 50)}, {"p99_ms", percentile(ms, 99)},
                    {"batch_queries_per_s", double(nq) / (b1 - b0)}, {"recall_sample", sample},
                    {"recall_at_10", double(hit) / double(sample * k)}, {"peak_rss_kb", peak_rss_kb()}}
                   .dump()
            << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  try {
    if (a.size() == 4 && a[0] == "chunks") {
      make_chunks(a[1], std::stoul(a[2]), std::stoul(a[3]));
    } else if (a.size() == 5 && a[0] == "bm25-build") {
      bm25_build(a[1], a[2], std::stod(a[3]), std::stod(a[4]));
    } else if (a.size() == 5 && a[0] == "bm25-query") {
      bm25_query(a[1], a[2], std::stoi(a[3]), a[4]);
    } else if (a.size() == 6 && a[0] == "dense") {
      dense(std::stoll(a[1]), std::stoi(a[2]), std::stoi(a[3]), std::stoi(a[4]), a[5]);
    } else {
      std::fprintf(stderr, "usage: bench_rag chunks OUT_DIR TOTAL QUERIES | bm25-build CHUNKS INDEX K1 B |"
                           " bm25-query INDEX QUERIES K TOPK_OUT | dense N DIM QUERIES RECALL_SAMPLE INDEX\n");
      return 2;
    }
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_rag: %s\n", e.what());
    return 1;
  }
  return 0;
}
