// Test support: the one mpirun command line the distributed tests use, so none copies it.
//
// mpi_command(N, ARGS) is `env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1
// mpirun -np N --oversubscribe --bind-to none --mca btl_vader_single_copy_mechanism none
// LMFORGE ARGS`: Open MPI's run-as-root switches are set for that child only (CI runs the
// tests as root), --oversubscribe lets 2 ranks run on a 1- or 2-core container,
// --bind-to none leaves the ranks' OpenMP threads free, and the shared-memory transport copies
// through its buffers (containers often forbid the single-copy mechanism's ptrace/CMA).
#pragma once
#include <string>

namespace lmf::test {

std::string mpi_command(int ranks, const std::string& lmforge_args);

// Runs mpi_command(ranks, args) with stderr joined to stdout; returns the exit status and
// the output in *out.
int run_mpi(int ranks, const std::string& lmforge_args, std::string* out = nullptr);

}  // namespace lmf::test
