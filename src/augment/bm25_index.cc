#include "augment/bm25_index.h"

#include <algorithm>
#include <cmath>
#include <cstring>

#include "augment/analyzer.h"
#include "core/error.h"
#include "io/atomic_file.h"

namespace lmf::augment {
namespace {

constexpr char kMagic[8] = {'L', 'M', 'F', 'B', 'M', '2', '5', '\0'};
constexpr uint32_t kVersion = 1;

template <class T>
void put(std::ostream& out, const T& v) {
  out.write(reinterpret_cast<const char*>(&v), sizeof v);
}

// Reads a whole index file with bounds checks; every failure names the file.
struct Reader {
  const std::string& bytes;
  const std::filesystem::path& file;
  size_t pos = 0;

  [[noreturn]] void fail(const std::string& what) const {
    throw FormatError(file.string() + ": not a valid BM25 index (" + what + ")");
  }
  void need(size_t n, const char* what) const {
    if (bytes.size() - pos < n) fail(std::string("truncated in ") + what);
  }
  template <class T>
  T get(const char* what) {
    need(sizeof(T), what);
    T v;
    std::memcpy(&v, bytes.data() + pos, sizeof v);
    pos += sizeof v;
    return v;
  }
};

}  // namespace

Bm25Index::Bm25Index(Bm25Params params) : params_(params) {
  if (!(params.k1 >= 0) || !(params.b >= 0 && params.b <= 1))
    throw Error("BM25: k1 must be >= 0 and b in [0, 1] (got k1 " + std::to_string(params.k1) + ", b " +
                std::to_string(params.b) + ")");
}

uint32_t Bm25Index::add(std::string_view text) {
  const uint32_t row = uint32_t(doc_len_.size());
  thread_local std::vector<uint32_t> ids;
  ids.clear();
  TermScanner scanner(text);
  for (std::string_view t; scanner.next(&t);) {
    auto it = term_ids_.find(t);
    if (it == term_ids_.end()) {
      it = term_ids_.emplace(std::string(t), uint32_t(postings_.size())).first;
      postings_.emplace_back();
    }
    ids.push_back(it->second);
  }
  std::sort(ids.begin(), ids.end());
  for (size_t i = 0; i < ids.size();) {
    size_t j = i;
    while (j < ids.size() && ids[j] == ids[i]) ++j;
    postings_[ids[i]].push_back({row, uint32_t(j - i)});
    i = j;
  }
  doc_len_.push_back(uint32_t(ids.size()));
  total_len_ += ids.size();
  return row;
}

std::vector<uint32_t> Bm25Index::distinct_query_terms(std::string_view query) const {
  std::vector<uint32_t> terms;
  TermScanner scanner(query);
  for (std::string_view t; scanner.next(&t);) {
    auto it = term_ids_.find(t);
    if (it != term_ids_.end()) terms.push_back(it->second);
  }
  std::sort(terms.begin(), terms.end());
  terms.erase(std::unique(terms.begin(), terms.end()), terms.end());
  return terms;
}

double Bm25Index::idf(uint32_t term) const {
  const double n = double(postings_[term].size()), N = double(doc_len_.size());
  return std::log(1.0 + (N - n + 0.5) / (n + 0.5));
}

std::vector<Bm25Hit> Bm25Index::search(std::string_view query, int k) const {
  if (k <= 0 || doc_len_.empty()) return {};
  const std::vector<uint32_t> terms = distinct_query_terms(query);
  const double avgdl = double(total_len_) / double(doc_len_.size());
  const double k1 = params_.k1, b = params_.b;

  // Term-at-a-time accumulation into a dense per-row array (reused; only touched rows reset).
  thread_local std::vector<double> acc;
  thread_local std::vector<uint32_t> touched;
  if (acc.size() < doc_len_.size()) acc.assign(doc_len_.size(), 0.0);
  touched.clear();
  for (uint32_t t : terms) {
    const double w = idf(t);
    for (const Posting& p : postings_[t]) {
      const double tf = p.tf;
      const double norm = k1 * (1.0 - b + b * double(doc_len_[p.row]) / avgdl);
      if (acc[p.row] == 0.0) touched.push_back(p.row);
      acc[p.row] += w * tf * (k1 + 1.0) / (tf + norm);
    }
  }
  std::vector<Bm25Hit> hits;
  hits.reserve(touched.size());
  for (uint32_t row : touched) {
    if (acc[row] > 0.0) hits.push_back({row, acc[row]});
    acc[row] = 0.0;
  }
  auto better = [](const Bm25Hit& x, const Bm25Hit& y) { return x.score > y.score || (x.score == y.score && x.row < y.row); };
  const size_t keep = std::min(hits.size(), size_t(k));
  std::partial_sort(hits.begin(), hits.begin() + ptrdiff_t(keep), hits.end(), better);
  hits.resize(keep);
  return hits;
}

double Bm25Index::score(std::string_view query, uint32_t row) const {
  if (row >= doc_len_.size()) throw Error("BM25: row " + std::to_string(row) + " out of range (" + std::to_string(doc_len_.size()) + " chunks)");
  const double avgdl = double(total_len_) / double(doc_len_.size());
  const double k1 = params_.k1, b = params_.b;
  double s = 0.0;
  for (uint32_t t : distinct_query_terms(query)) {
    const std::vector<Posting>& ps = postings_[t];
    auto it = std::lower_bound(ps.begin(), ps.end(), row, [](const Posting& p, uint32_t r) { return p.row < r; });
    if (it == ps.end() || it->row != row) continue;
    const double tf = it->tf;
    s += idf(t) * tf * (k1 + 1.0) / (tf + k1 * (1.0 - b + b * double(doc_len_[row]) / avgdl));
  }
  return s;
}

// File layout (little-endian): magic[8], version u32, k1 f64, b f64, rows u32,
// doc_len[rows] u32, terms u32, then per term: byte length u32, bytes, postings u32,
// (row u32, tf u32)[postings].
void Bm25Index::save(const std::filesystem::path& file) const {
  std::vector<const std::string*> by_id(postings_.size());
  for (const auto& [term, id] : term_ids_) by_id[id] = &term;
  io::write_file_atomic(file.string(), [&](std::ostream& out) {
    out.write(kMagic, sizeof kMagic);
    put(out, kVersion);
    put(out, params_.k1);
    put(out, params_.b);
    put(out, uint32_t(doc_len_.size()));
    out.write(reinterpret_cast<const char*>(doc_len_.data()), std::streamsize(doc_len_.size() * sizeof(uint32_t)));
    put(out, uint32_t(postings_.size()));
    for (size_t id = 0; id < postings_.size(); ++id) {
      put(out, uint32_t(by_id[id]->size()));
      out.write(by_id[id]->data(), std::streamsize(by_id[id]->size()));
      put(out, uint32_t(postings_[id].size()));
      out.write(reinterpret_cast<const char*>(postings_[id].data()), std::streamsize(postings_[id].size() * sizeof(Posting)));
    }
  });
}

Bm25Index Bm25Index::load(const std::filesystem::path& file) {
  const std::string bytes = io::read_file(file.string());
  Reader r{bytes, file};
  r.need(sizeof kMagic, "the header");
  if (std::memcmp(bytes.data(), kMagic, sizeof kMagic) != 0) r.fail("wrong magic");
  r.pos = sizeof kMagic;
  if (const uint32_t v = r.get<uint32_t>("the header"); v != kVersion) r.fail("version " + std::to_string(v) + ", expected " + std::to_string(kVersion));
  Bm25Params params;
  params.k1 = r.get<double>("the header");
  params.b = r.get<double>("the header");
  if (!(params.k1 >= 0) || !(params.b >= 0 && params.b <= 1)) r.fail("k1 or b out of range");
  Bm25Index index(params);
  const uint32_t rows = r.get<uint32_t>("the header");
  r.need(size_t(rows) * sizeof(uint32_t), "the chunk lengths");
  index.doc_len_.resize(rows);
  std::memcpy(index.doc_len_.data(), bytes.data() + r.pos, size_t(rows) * sizeof(uint32_t));
  r.pos += size_t(rows) * sizeof(uint32_t);
  for (uint32_t len : index.doc_len_) index.total_len_ += len;
  const uint32_t terms = r.get<uint32_t>("the term count");
  if (terms > bytes.size()) r.fail("term count " + std::to_string(terms) + " larger than the file");
  index.postings_.resize(terms);
  index.term_ids_.reserve(terms);
  std::vector<uint64_t> len_from_postings(rows, 0);
  for (uint32_t id = 0; id < terms; ++id) {
    const uint32_t len = r.get<uint32_t>("a term");
    r.need(len, "a term");
    std::string term(bytes.data() + r.pos, len);
    r.pos += len;
    if (!index.term_ids_.emplace(std::move(term), id).second) r.fail("term " + std::to_string(id) + " repeated");
    const uint32_t n = r.get<uint32_t>("a posting list");
    r.need(size_t(n) * sizeof(Posting), "a posting list");
    std::vector<Posting>& ps = index.postings_[id];
    ps.resize(n);
    std::memcpy(ps.data(), bytes.data() + r.pos, size_t(n) * sizeof(Posting));
    r.pos += size_t(n) * sizeof(Posting);
    for (size_t i = 0; i < n; ++i) {
      if (ps[i].row >= rows || ps[i].tf == 0 || (i > 0 && ps[i].row <= ps[i - 1].row))
        r.fail("posting list of term " + std::to_string(id) + " is inconsistent");
      len_from_postings[ps[i].row] += ps[i].tf;
    }
  }
  if (r.pos != bytes.size()) r.fail(std::to_string(bytes.size() - r.pos) + " trailing bytes");
  for (uint32_t row = 0; row < rows; ++row)
    if (len_from_postings[row] != index.doc_len_[row]) r.fail("chunk " + std::to_string(row) + "'s length disagrees with its postings");
  return index;
}

}  // namespace lmf::augment
