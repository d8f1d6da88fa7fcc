// bench_rag_xapian: the Xapian side of bench/rag (libxapian, Debian libxapian-dev), on the
// chunk and query files bench_rag writes. Each subcommand prints one JSON object.
//
//   bench_rag_xapian build-analyzer CHUNKS DB
//       An on-disk (glass) database at DB, one document a chunk, its terms those of
//       lmforge's analyzer (augment::analyze), each occurrence one Document::add_term (wdf),
//       no positions — the same terms and lengths lmforge's BM25 index holds; committed
//       before the clock stops. Terms over Xapian's 245-byte limit are left out (counted).
//   bench_rag_xapian build-termgenerator CHUNKS DB
//       The same with Xapian's own Xapian::TermGenerator (no stemmer,
//       index_text_without_positions): Xapian's indexing speed with its own analysis.
//   bench_rag_xapian query DB QUERIES K K1 B TOPK_OUT
//       Opens DB and times each query alone: the query's distinct analyzer terms OR'ed,
//       BM25Weight(k1, k2 = 0, k3 = 0, b, min_normlen = 0) (k3 = 0: a query term's
//       frequency is ignored, as lmforge's index does), get_mset(0, K). TOPK_OUT: the rows
//       (docid - 1), one line a query.
#include <xapian.h>

#include <cstdio>
#include <filesystem>
#include <iostream>
#include <nlohmann/json.hpp>
#include <set>

#include "augment/analyzer.h"
#include "bench_util.h"

using nlohmann::json;
using namespace rag_bench;

namespace {

constexpr size_t kMaxTermBytes = 245;

uint64_t dir_bytes(const std::string& dir) {
  uint64_t n = 0;
  for (auto& e : std::filesystem::recursive_directory_iterator(dir))
    if (e.is_regular_file()) n += e.file_size();
  return n;
}

void build(const std::string& chunks_file, const std::string& db_dir, bool own_analysis) {
  auto chunks = read_lines(chunks_file);
  size_t bytes = 0, skipped = 0;
  for (auto& c : chunks) bytes += c.size();
  double w0 = now_s(), c0 = cpu_s();
  {
    Xapian::WritableDatabase db(db_dir, Xapian::DB_CREATE_OR_OVERWRITE);
    Xapian::TermGenerator tg;
    for (auto& c : chunks) {
      Xapian::Document doc;
      if (own_analysis) {
        tg.set_document(doc);
        tg.index_text_without_positions(c);
      } else {
        for (const std::string& t : lmf::augment::analyze(c)) {
          if (t.size() > kMaxTermBytes) {
            ++skipped;
            continue;
          }
          doc.add_term(t);
        }
      }
      db.add_document(doc);
    }
    db.commit();
  }
  double w1 = now_s(), c1 = cpu_s();
  std::cout << json{{"chunks", chunks.size()}, {"bytes", bytes}, {"build_s", w1 - w0}, {"build_cpu_s", c1 - c0},
                    {"index_bytes", dir_bytes(db_dir)}, {"terms_over_limit", skipped},
                    {"flush_threshold", std::getenv("XAPIAN_FLUSH_THRESHOLD") ? std::getenv("XAPIAN_FLUSH_THRESHOLD") : "default"},
                    {"peak_rss_kb", peak_rss_kb()}}
                   .dump()
            << "\n";
}

void query(const std::string& db_dir, const std::string& queries_file, int k, double k1, double b,
           const std::string& topk_out) {
  auto queries = read_lines(queries_file);
  double l0 = now_s();
  Xapian::Database db(db_dir);
  Xapian::Enquire enquire(db);
  enquire.set_weighting_scheme(Xapian::BM25Weight(k1, 0, 0, b, 0));
  double l1 = now_s();
  std::vector<double> ms;
  std::vector<std::vector<int64_t>> rows;
  double c0 = cpu_s(), w0 = now_s();
  for (auto& q : queries) {
    double t = now_s();
    std::set<std::string> terms;
    for (std::string& term : lmf::augment::analyze(q))
      if (term.size() <= kMaxTermBytes) terms.insert(std::move(term));
    enquire.set_query(Xapian::Query(Xapian::Query::OP_OR, terms.begin(), terms.end()));
    Xapian::MSet mset = enquire.get_mset(0, Xapian::doccount(k));
    std::vector<int64_t> r;
    for (auto it = mset.begin(); it != mset.end(); ++it) r.push_back(int64_t(*it) - 1);
    ms.push_back(1e3 * (now_s() - t));
    rows.push_back(std::move(r));
  }
  double w1 = now_s(), c1 = cpu_s();
  write_topk(topk_out, rows);
  std::cout << json{{"queries", queries.size()}, {"k", k}, {"load_s", l1 - l0}, {"p50_ms", percentile(ms, 50)},
                    {"p99_ms", percentile(ms, 99)}, {"mean_ms", (w1 - w0) * 1e3 / double(queries.size())},
                    {"cpu_s", c1 - c0}, {"peak_rss_kb", peak_rss_kb()}, {"xapian", Xapian::version_string()}}
                   .dump()
            << "\n";
}

}  // namespace

int main(int argc, char** argv) {
  std::vector<std::string> a(argv + 1, argv + argc);
  try {
    if (a.size() == 3 && (a[0] == "build-analyzer" || a[0] == "build-termgenerator")) {
      build(a[1], a[2], a[0] == "build-termgenerator");
    } else if (a.size() == 7 && a[0] == "query") {
      query(a[1], a[2], std::stoi(a[3]), std::stod(a[4]), std::stod(a[5]), a[6]);
    } else {
      std::fprintf(stderr, "usage: bench_rag_xapian build-analyzer|build-termgenerator CHUNKS DB |"
                           " query DB QUERIES K K1 B TOPK_OUT\n");
      return 2;
    }
  } catch (const Xapian::Error& e) {
    std::fprintf(stderr, "bench_rag_xapian: %s\n", e.get_description().c_str());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "bench_rag_xapian: %s\n", e.what());
    return 1;
  }
  return 0;
}
