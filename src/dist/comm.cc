#include "dist/comm.h"

#define OMPI_SKIP_MPICXX 1  // the C API only
#include <mpi.h>
#include <omp.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <map>

#include "core/error.h"

namespace lmf::dist {
namespace {

bool g_mpi_initialised = false;

// MPI error code -> lmf::Error naming the call.
void check(int rc, const char* call) {
  if (rc == MPI_SUCCESS) return;
  char text[MPI_MAX_ERROR_STRING];
  int len = 0;
  MPI_Error_string(rc, text, &len);
  throw Error(std::string("MPI ") + call + " failed: " + std::string(text, size_t(len)));
}

int count_of(int64_t n, const char* call) {
  if (n < 0 || n > std::numeric_limits<int>::max())
    throw Error(std::string("MPI ") + call + ": " + std::to_string(n) + " elements exceed MPI's int count");
  return int(n);
}

void finalize_at_exit() {
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (!finalized) MPI_Finalize();
}

}  // namespace

bool launched_by_mpirun() { return std::getenv("OMPI_COMM_WORLD_SIZE") || std::getenv("PMIX_RANK"); }

struct Request::Handle {
  MPI_Request req = MPI_REQUEST_NULL;
};

Request::Request() = default;
Request::Request(Request&&) noexcept = default;
Request& Request::operator=(Request&& o) noexcept {
  if (this != &o) {
    if (handle_) wait();
    handle_ = std::move(o.handle_);
  }
  return *this;
}
Request::~Request() {
  if (handle_) MPI_Wait(&handle_->req, MPI_STATUS_IGNORE);
}
void Request::wait() {
  if (!handle_) return;
  int rc = MPI_Wait(&handle_->req, MPI_STATUS_IGNORE);
  handle_.reset();
  check(rc, "MPI_Wait");
}
bool Request::test() {
  if (!handle_) return true;
  int done = 0;
  check(MPI_Test(&handle_->req, &done, MPI_STATUS_IGNORE), "MPI_Test");
  if (done) handle_.reset();
  return done != 0;
}

const Comm& world() {
  static Comm* c = [] {
    auto* w = new Comm();
    char host[256] = {};
    gethostname(host, sizeof host - 1);
    if (!launched_by_mpirun()) {
      w->hosts_ = {host};
      return w;
    }
    int provided = 0;
    check(MPI_Init_thread(nullptr, nullptr, MPI_THREAD_FUNNELED, &provided), "MPI_Init_thread");
    g_mpi_initialised = true;
    std::atexit(finalize_at_exit);
    w->mpi_ = true;
    check(MPI_Comm_set_errhandler(MPI_COMM_WORLD, MPI_ERRORS_RETURN), "MPI_Comm_set_errhandler");
    check(MPI_Comm_rank(MPI_COMM_WORLD, &w->rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(MPI_COMM_WORLD, &w->size_), "MPI_Comm_size");
    MPI_Comm local;
    check(MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, w->rank_, MPI_INFO_NULL, &local),
          "MPI_Comm_split_type");
    check(MPI_Comm_rank(local, &w->local_rank_), "MPI_Comm_rank");
    check(MPI_Comm_size(local, &w->local_size_), "MPI_Comm_size");
    MPI_Comm_free(&local);
    char name[MPI_MAX_PROCESSOR_NAME] = {};
    int len = 0;
    check(MPI_Get_processor_name(name, &len), "MPI_Get_processor_name");
    w->hosts_ = w->allgatherv_bytes(std::string(name, size_t(len)));
    // One result per job: a command's stdout (its summary line) comes from rank 0 alone.
    if (w->rank_ != 0 && !std::freopen("/dev/null", "w", stdout)) throw Error("cannot redirect stdout to /dev/null");
    return w;
  }();
  return *c;
}

int default_threads_per_rank() {
  const Comm& w = world();
  return std::max(1, omp_get_num_procs() / std::max(1, w.local_size()));
}

std::string Comm::describe() const {
  // Hosts in order of their first rank, each with its ranks.
  std::vector<std::pair<std::string, std::vector<int>>> by_host;
  for (int r = 0; r < int(hosts_.size()); ++r) {
    auto it = std::find_if(by_host.begin(), by_host.end(), [&](auto& h) { return h.first == hosts_[r]; });
    if (it == by_host.end()) by_host.push_back({hosts_[r], {r}});
    else it->second.push_back(r);
  }
  std::string s = std::to_string(size_) + (size_ == 1 ? " rank on " : " ranks on ");
  for (size_t i = 0; i < by_host.size(); ++i) {
    if (i) s.append(", ");
    s.append(by_host[i].first).append(" (");
    for (size_t k = 0; k < by_host[i].second.size(); ++k) {
      if (k) s.push_back(',');
      s.append(std::to_string(by_host[i].second[k]));
    }
    s.push_back(')');
  }
  return s;
}

void Comm::barrier() const {
  if (mpi_) check(MPI_Barrier(MPI_COMM_WORLD), "MPI_Barrier");
}

void Comm::broadcast(float* data, int64_t n, int root) const {
  if (mpi_ && size_ > 1) check(MPI_Bcast(data, count_of(n, "MPI_Bcast"), MPI_FLOAT, root, MPI_COMM_WORLD), "MPI_Bcast");
}
void Comm::broadcast(int64_t* data, int64_t n, int root) const {
  if (mpi_ && size_ > 1) check(MPI_Bcast(data, count_of(n, "MPI_Bcast"), MPI_INT64_T, root, MPI_COMM_WORLD), "MPI_Bcast");
}
void Comm::broadcast_bytes(std::string& bytes, int root) const {
  if (!mpi_ || size_ == 1) return;
  int64_t n = int64_t(bytes.size());
  broadcast(&n, 1, root);
  bytes.resize(size_t(n));
  check(MPI_Bcast(bytes.data(), count_of(n, "MPI_Bcast"), MPI_BYTE, root, MPI_COMM_WORLD), "MPI_Bcast");
}

void Comm::allreduce_sum(float* data, int64_t n) const {
  if (mpi_ && size_ > 1)
    check(MPI_Allreduce(MPI_IN_PLACE, data, count_of(n, "MPI_Allreduce"), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce");
}
void Comm::allreduce_sum(double* data, int64_t n) const {
  if (mpi_ && size_ > 1)
    check(MPI_Allreduce(MPI_IN_PLACE, data, count_of(n, "MPI_Allreduce"), MPI_DOUBLE, MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce");
}
void Comm::allreduce_sum(int64_t* data, int64_t n) const {
  if (mpi_ && size_ > 1)
    check(MPI_Allreduce(MPI_IN_PLACE, data, count_of(n, "MPI_Allreduce"), MPI_INT64_T, MPI_SUM, MPI_COMM_WORLD),
          "MPI_Allreduce");
}
void Comm::allreduce_max(double* data, int64_t n) const {
  if (mpi_ && size_ > 1)
    check(MPI_Allreduce(MPI_IN_PLACE, data, count_of(n, "MPI_Allreduce"), MPI_DOUBLE, MPI_MAX, MPI_COMM_WORLD),
          "MPI_Allreduce");
}

Request Comm::iallreduce_sum(float* data, int64_t n) const {
  Request r;
  if (!mpi_ || size_ == 1) return r;
  r.handle_ = std::make_unique<Request::Handle>();
  check(MPI_Iallreduce(MPI_IN_PLACE, data, count_of(n, "MPI_Iallreduce"), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD,
                       &r.handle_->req),
        "MPI_Iallreduce");
  return r;
}

void Comm::reduce_scatter_sum(const float* data, float* out, const std::vector<int64_t>& counts) const {
  if (int(counts.size()) != size_) throw Error("reduce_scatter: " + std::to_string(counts.size()) + " counts for " +
                                               std::to_string(size_) + " ranks");
  if (!mpi_ || size_ == 1) {
    std::copy(data, data + counts[0], out);
    return;
  }
  std::vector<int> c(counts.size());
  for (size_t i = 0; i < counts.size(); ++i) c[i] = count_of(counts[i], "MPI_Reduce_scatter");
  check(MPI_Reduce_scatter(data, out, c.data(), MPI_FLOAT, MPI_SUM, MPI_COMM_WORLD), "MPI_Reduce_scatter");
}

void Comm::allgather(const float* mine, float* out, const std::vector<int64_t>& counts) const {
  if (int(counts.size()) != size_) throw Error("allgather: " + std::to_string(counts.size()) + " counts for " +
                                               std::to_string(size_) + " ranks");
  if (!mpi_ || size_ == 1) {
    std::copy(mine, mine + counts[0], out);
    return;
  }
  std::vector<int> c(counts.size()), displ(counts.size());
  int64_t off = 0;
  for (size_t i = 0; i < counts.size(); ++i) {
    c[i] = count_of(counts[i], "MPI_Allgatherv");
    displ[i] = count_of(off, "MPI_Allgatherv");
    off += counts[i];
  }
  check(MPI_Allgatherv(mine, c[size_t(rank_)], MPI_FLOAT, out, c.data(), displ.data(), MPI_FLOAT, MPI_COMM_WORLD),
        "MPI_Allgatherv");
}

std::vector<std::string> Comm::allgatherv_bytes(const std::string& mine) const {
  if (!mpi_ || size_ == 1) return {mine};
  std::vector<int64_t> sizes(size_t(size_), 0);
  int64_t n = int64_t(mine.size());
  check(MPI_Allgather(&n, 1, MPI_INT64_T, sizes.data(), 1, MPI_INT64_T, MPI_COMM_WORLD), "MPI_Allgather");
  std::vector<int> c(sizes.size()), displ(sizes.size());
  int64_t total = 0;
  for (size_t i = 0; i < sizes.size(); ++i) {
    c[i] = count_of(sizes[i], "MPI_Allgatherv");
    displ[i] = count_of(total, "MPI_Allgatherv");
    total += sizes[i];
  }
  std::string all(size_t(total), '\0');
  check(MPI_Allgatherv(mine.data(), c[size_t(rank_)], MPI_BYTE, all.data(), c.data(), displ.data(), MPI_BYTE,
                       MPI_COMM_WORLD),
        "MPI_Allgatherv");
  std::vector<std::string> out;
  for (size_t i = 0; i < sizes.size(); ++i) out.push_back(all.substr(size_t(displ[i]), size_t(sizes[i])));
  return out;
}

void Comm::abort(int code, const std::string& why) const {
  std::fprintf(stderr, "%s\n", why.c_str());
  std::fflush(stderr);
  if (mpi_) MPI_Abort(MPI_COMM_WORLD, code);
  std::exit(code);
}

int finish(int code) {
  if (!g_mpi_initialised) return code;
  int finalized = 0;
  MPI_Finalized(&finalized);
  if (finalized) return code;
  if (code != 0 && world().size() > 1) MPI_Abort(MPI_COMM_WORLD, code);  // the other ranks may wait in a collective
  MPI_Finalize();
  return code;
}

}  // namespace lmf::dist
