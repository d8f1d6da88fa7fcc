// The process group of a data-parallel job: which rank this process is among how many,
// on which hosts, and the collectives that training and the data pipeline need.
//
// MPI is initialised only when the process was started by Open MPI's mpirun (its
// OMPI_COMM_WORLD_SIZE or PMIX_RANK is in the environment), on the first call to world();
// a plain `lmforge train` never calls MPI_Init and sees one rank (every collective is then
// a copy or nothing). MPI_Finalize runs at exit. MPI errors come back as lmf::Error naming
// the call (the communicator uses MPI_ERRORS_RETURN), never as an abort inside MPI. Ranks
// other than 0 send their stdout to /dev/null once MPI is up, so a command's result line
// is printed once per job (errors still go to stderr on every rank).
//
// Collectives are blocking unless they return a Request; every rank must call the same
// collectives in the same order (MPI's rule). Sums of floats are MPI_SUM in the
// library's order, identical on every rank for a given rank count.
#pragma once
#include <cstdint>
#include <memory>
#include <string>
#include <vector>

namespace lmf::dist {

// True when this process was started by mpirun (whether or not MPI is initialised yet).
bool launched_by_mpirun();

// A pending non-blocking collective. wait() blocks until it is done (idempotent);
// test() reports whether it is done, letting MPI make progress meanwhile.
class Request {
 public:
  Request();
  Request(Request&&) noexcept;
  Request& operator=(Request&&) noexcept;
  ~Request();  // waits when still pending
  void wait();
  bool test();
  bool pending() const { return handle_ != nullptr; }

 private:
  friend class Comm;
  struct Handle;
  std::unique_ptr<Handle> handle_;
};

class Comm {
 public:
  int rank() const { return rank_; }
  int size() const { return size_; }
  bool is_root() const { return rank_ == 0; }
  // Ranks on this process's host and this process's index among them.
  int local_size() const { return local_size_; }
  int local_rank() const { return local_rank_; }
  // host_names()[r] is the host of rank r.
  const std::vector<std::string>& host_names() const { return hosts_; }
  // "2 ranks on hostA (0,1)", "4 ranks on hostA (0,1), hostB (2,3)", "1 rank on hostA".
  std::string describe() const;

  void barrier() const;
  // data[0..n) of rank `root` copied to every rank.
  void broadcast(float* data, int64_t n, int root = 0) const;
  void broadcast(int64_t* data, int64_t n, int root = 0) const;
  void broadcast_bytes(std::string& bytes, int root = 0) const;
  // Element-wise sum over ranks, in place, on every rank.
  void allreduce_sum(float* data, int64_t n) const;
  void allreduce_sum(double* data, int64_t n) const;
  void allreduce_sum(int64_t* data, int64_t n) const;
  void allreduce_max(double* data, int64_t n) const;
  // The non-blocking sum: data must stay alive and untouched until the request is done.
  Request iallreduce_sum(float* data, int64_t n) const;
  // Sum over ranks of data[0..Σcounts), rank r receiving the block counts[r] (at offset
  // Σ_{q<r} counts[q]) into out[0..counts[r]).
  void reduce_scatter_sum(const float* data, float* out, const std::vector<int64_t>& counts) const;
  // Every rank contributes mine[0..counts[rank]); out[0..Σcounts) receives the blocks in rank order.
  void allgather(const float* mine, float* out, const std::vector<int64_t>& counts) const;
  // Each rank's bytes, in rank order, on every rank.
  std::vector<std::string> allgatherv_bytes(const std::string& mine) const;
  // Ends the whole job with `code` (every rank), after printing `why` on stderr.
  [[noreturn]] void abort(int code, const std::string& why) const;

 private:
  friend const Comm& world();
  Comm() = default;
  int rank_ = 0, size_ = 1, local_rank_ = 0, local_size_ = 1;
  bool mpi_ = false;
  std::vector<std::string> hosts_;
};

// The job's process group, initialised on first use (see above).
const Comm& world();

// Ends the MPI side of the process with the command's exit code: MPI_Finalize when it is
// 0; when it is not and other ranks exist, MPI_Abort, so ranks waiting in a collective
// for this one end too (mpirun then exits non-zero). Returns `code`; nothing without MPI.
int finish(int code);

// The default threads per rank: the cores of this host divided by the ranks on it (at least 1).
int default_threads_per_rank();

}  // namespace lmf::dist
