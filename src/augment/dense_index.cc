#include "augment/dense_index.h"

#include <faiss/IndexFlat.h>
#include <faiss/IndexHNSW.h>
#include <faiss/impl/FaissException.h>
#include <faiss/impl/io.h>
#include <faiss/index_io.h>
#include <omp.h>
#include <xxhash.h>

#include <algorithm>
#include <cerrno>
#include <cmath>
#include <cstring>
#include <fstream>
#include <new>

#include "core/error.h"
#include "io/atomic_file.h"

namespace lmf::augment {

namespace {

constexpr char kMagic[8] = {'L', 'M', 'F', 'D', 'E', 'N', 'S', 'E'};
constexpr uint32_t kVersion = 1;
constexpr uint32_t kKindFlat = 0, kKindHnsw = 1;
// magic, version, dim, kind, pad, rows
constexpr size_t kHeaderBytes = 8 + 4 + 4 + 4 + 4 + 8;
// blob length, XXH64 of header + blob
constexpr size_t kTrailerBytes = 8 + 8;

template <class T>
void put(std::string& out, T v) {  // little-endian (the only byte order we build for)
  out.append(reinterpret_cast<const char*>(&v), sizeof v);
}
template <class T>
T get(const char* p) {
  T v;
  std::memcpy(&v, p, sizeof v);
  return v;
}

std::unique_ptr<faiss::IndexHNSWFlat> new_hnsw(int dim) {
  auto h = std::make_unique<faiss::IndexHNSWFlat>(dim, DenseIndex::kHnswM, faiss::METRIC_INNER_PRODUCT);
  h->hnsw.efConstruction = DenseIndex::kEfConstruction;
  h->hnsw.efSearch = DenseIndex::kEfSearch;
  return h;
}

// faiss::write_index into a std::ostream, hashing what passes through.
struct StreamWriter : faiss::IOWriter {
  std::ostream& out;
  XXH64_state_t* hash;
  uint64_t bytes = 0;
  StreamWriter(std::ostream& o, XXH64_state_t* h) : out(o), hash(h) {}
  size_t operator()(const void* ptr, size_t size, size_t nitems) override {
    size_t n = size * nitems;
    out.write(static_cast<const char*>(ptr), std::streamsize(n));
    XXH64_update(hash, ptr, n);
    bytes += n;
    return out ? nitems : 0;
  }
};

// faiss::read_index from bytes in memory; a read past the end returns short (FAISS throws).
struct MemoryReader : faiss::IOReader {
  const char* data;
  size_t size, pos = 0;
  MemoryReader(const char* d, size_t n) : data(d), size(n) {}
  size_t operator()(void* ptr, size_t item, size_t nitems) override {
    if (item == 0) return 0;
    size_t n = std::min(nitems, (size - pos) / item);
    std::memcpy(ptr, data + pos, n * item);
    pos += n * item;
    return n;
  }
};

// Sets the calling thread's OpenMP thread count for its lifetime, then restores it.
class OmpThreadsScope {
 public:
  explicit OmpThreadsScope(int n) : saved_(omp_get_max_threads()) { omp_set_num_threads(n); }
  ~OmpThreadsScope() { omp_set_num_threads(saved_); }

 private:
  int saved_;
};

}  // namespace

DenseIndex::DenseIndex(int dim) : dim_(dim) {
  if (dim < 1) throw Error("dense index: dimension must be at least 1, got " + std::to_string(dim));
  index_ = std::make_unique<faiss::IndexFlatIP>(dim);
}

DenseIndex::~DenseIndex() = default;
DenseIndex::DenseIndex(DenseIndex&&) noexcept = default;
DenseIndex& DenseIndex::operator=(DenseIndex&&) noexcept = default;

int64_t DenseIndex::size() const { return index_->ntotal; }

std::string DenseIndex::kind() const {
  return dynamic_cast<const faiss::IndexHNSWFlat*>(index_.get()) ? "hnsw" : "flat";
}

int64_t DenseIndex::checked_rows(std::span<const float> vectors, const char* what, int64_t first_row) const {
  if (vectors.size() % size_t(dim_) != 0)
    throw Error(std::string("dense index: ") + what + " hold " + std::to_string(vectors.size()) +
                " floats, not a multiple of the dimension " + std::to_string(dim_));
  int64_t n = int64_t(vectors.size() / size_t(dim_));
  for (int64_t i = 0; i < n; ++i) {
    const float* v = vectors.data() + i * dim_;
    double sq = 0;
    for (int j = 0; j < dim_; ++j) sq += double(v[j]) * v[j];
    double norm = std::sqrt(sq);
    if (!(std::fabs(norm - 1.0) <= kNormTolerance))  // NaN and infinity fail too
      throw Error(std::string("dense index: ") + what + " row " + std::to_string(first_row + i) +
                  " is not L2-normalised (norm " + std::to_string(norm) + "); normalise every vector to unit length");
  }
  return n;
}

void DenseIndex::add(std::span<const float> vectors) {
  int64_t n = checked_rows(vectors, "added vectors", size());
  if (n == 0) return;
  auto* flat = dynamic_cast<faiss::IndexFlatIP*>(index_.get());
  try {
    if (flat && flat->ntotal == 0 && n >= kHnswFrom) {
      auto hnsw = new_hnsw(dim_);
      hnsw->add(n, vectors.data());
      index_ = std::move(hnsw);
    } else if (flat && flat->ntotal + n >= kHnswFrom) {
      // Crossing the threshold: one graph over the stored rows and the new ones, in order.
      std::vector<float> all(size_t(flat->ntotal + n) * size_t(dim_));
      std::copy_n(flat->get_xb(), size_t(flat->ntotal) * size_t(dim_), all.begin());
      std::copy(vectors.begin(), vectors.end(), all.begin() + ptrdiff_t(flat->ntotal) * dim_);
      auto hnsw = new_hnsw(dim_);
      hnsw->add(flat->ntotal + n, all.data());
      index_ = std::move(hnsw);
    } else {
      index_->add(n, vectors.data());
    }
  } catch (const faiss::FaissException& e) {
    throw Error(std::string("dense index: adding ") + std::to_string(n) + " vectors failed: " + e.what());
  }
}

std::vector<std::vector<DenseHit>> DenseIndex::search(std::span<const float> queries, int k) const {
  if (k < 1) throw Error("dense index: k must be at least 1, got " + std::to_string(k));
  int64_t q = checked_rows(queries, "queries", 0);
  std::vector<std::vector<DenseHit>> out{size_t(q)};
  if (q == 0 || size() == 0) return out;
  int64_t kk = std::min<int64_t>(k, size());
  std::vector<float> scores(size_t(q * kk));
  std::vector<faiss::Index::idx_t> rows(size_t(q * kk));
  try {
    // FAISS splits a batch's queries over the threads; a query or two gain nothing from
    // that and would wait at the parallel region's barrier for threads a busy machine has
    // descheduled, so they run on the calling thread.
    int threads = omp_get_max_threads();
    OmpThreadsScope scope(q < 2 * threads ? 1 : threads);
    index_->search(q, queries.data(), kk, scores.data(), rows.data());
  } catch (const faiss::FaissException& e) {
    throw Error(std::string("dense index: search failed: ") + e.what());
  }
  for (int64_t i = 0; i < q; ++i) {
    auto& hits = out[size_t(i)];
    hits.reserve(size_t(kk));
    for (int64_t j = 0; j < kk; ++j) {
      faiss::Index::idx_t r = rows[size_t(i * kk + j)];
      if (r >= 0) hits.push_back({r, scores[size_t(i * kk + j)]});  // -1: fewer reachable than k
    }
  }
  return out;
}

void DenseIndex::save(const std::filesystem::path& file) const {
  uint32_t kind_code = kind() == "hnsw" ? kKindHnsw : kKindFlat;
  std::string header(kMagic, sizeof kMagic);
  put<uint32_t>(header, kVersion);
  put<uint32_t>(header, uint32_t(dim_));
  put<uint32_t>(header, kind_code);
  put<uint32_t>(header, 0);
  put<uint64_t>(header, uint64_t(size()));
  io::write_file_atomic(file.string(), [&](std::ostream& out) {
    std::unique_ptr<XXH64_state_t, decltype(&XXH64_freeState)> hash(XXH64_createState(), XXH64_freeState);
    XXH64_reset(hash.get(), 0);
    out.write(header.data(), std::streamsize(header.size()));
    XXH64_update(hash.get(), header.data(), header.size());
    StreamWriter writer(out, hash.get());
    try {
      faiss::write_index(index_.get(), &writer);
    } catch (const faiss::FaissException& e) {
      throw Error("dense index: cannot write " + file.string() + ": " + e.what());
    }
    std::string trailer;
    put<uint64_t>(trailer, writer.bytes);
    put<uint64_t>(trailer, XXH64_digest(hash.get()));
    out.write(trailer.data(), std::streamsize(trailer.size()));
  });
}

DenseIndex DenseIndex::load(const std::filesystem::path& file) {
  const std::string name = file.string();
  auto bad = [&](const std::string& why) { return FormatError("dense index " + name + ": " + why); };
  std::ifstream in(file, std::ios::binary | std::ios::ate);
  if (!in) throw FormatError("cannot open dense index " + name + ": " + std::strerror(errno));
  auto end = in.tellg();
  if (end < 0) throw bad("cannot read its size");
  size_t total = size_t(end);
  if (total < kHeaderBytes + kTrailerBytes)
    throw bad("truncated (" + std::to_string(total) + " bytes, shorter than header and trailer)");
  std::string bytes(total, '\0');
  in.seekg(0);
  if (!in.read(bytes.data(), std::streamsize(total))) throw bad("read failed");

  const char* p = bytes.data();
  if (std::memcmp(p, kMagic, sizeof kMagic) != 0) throw bad("not a dense index file (bad magic)");
  uint32_t version = get<uint32_t>(p + 8), dim = get<uint32_t>(p + 12), kind_code = get<uint32_t>(p + 16);
  uint64_t rows = get<uint64_t>(p + 24);
  if (version != kVersion)
    throw bad("version " + std::to_string(version) + ", this build reads version " + std::to_string(kVersion));
  uint64_t blob = get<uint64_t>(p + total - kTrailerBytes);
  uint64_t stored_hash = get<uint64_t>(p + total - 8);
  if (blob != total - kHeaderBytes - kTrailerBytes)
    throw bad("truncated or padded: the trailer records " + std::to_string(blob) + " index bytes, the file holds " +
              std::to_string(total - kHeaderBytes - kTrailerBytes));
  if (XXH64(p, total - kTrailerBytes, 0) != stored_hash) throw bad("checksum mismatch (the file is corrupt)");
  if (dim < 1 || dim > (1u << 20)) throw bad("dimension " + std::to_string(dim) + " out of range");
  if (kind_code != kKindFlat && kind_code != kKindHnsw) throw bad("unknown index kind " + std::to_string(kind_code));

  std::unique_ptr<faiss::Index> index;
  try {
    MemoryReader reader(p + kHeaderBytes, blob);
    index.reset(faiss::read_index(&reader));
  } catch (const faiss::FaissException& e) {
    throw bad(std::string("FAISS cannot read it: ") + e.what());
  } catch (const std::bad_alloc&) {
    throw bad("FAISS cannot read it: a size in it is too large");
  }
  bool flat_ok = kind_code == kKindFlat && dynamic_cast<faiss::IndexFlatIP*>(index.get());
  auto* hnsw = dynamic_cast<faiss::IndexHNSWFlat*>(index.get());
  bool hnsw_ok = kind_code == kKindHnsw && hnsw;
  if (!flat_ok && !hnsw_ok) throw bad("the FAISS index is not the kind the header records");
  if (index->d != int(dim) || uint64_t(index->ntotal) != rows || index->metric_type != faiss::METRIC_INNER_PRODUCT)
    throw bad("the FAISS index does not match the header (dimension, rows or metric)");
  if (hnsw) hnsw->hnsw.efSearch = kEfSearch;
  DenseIndex out{int(dim)};
  out.index_ = std::move(index);
  return out;
}

}  // namespace lmf::augment
