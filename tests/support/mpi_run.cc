#include "support/mpi_run.h"

#include "support/oracle.h"

namespace lmf::test {

std::string mpi_command(int ranks, const std::string& lmforge_args) {
  return "env OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 mpirun -np " + std::to_string(ranks) +
         " --oversubscribe --bind-to none --mca btl_vader_single_copy_mechanism none " + std::string(LMFORGE_BINARY) +
         " " + lmforge_args;
}

int run_mpi(int ranks, const std::string& lmforge_args, std::string* out) {
  return run_command(mpi_command(ranks, lmforge_args) + " 2>&1", out);
}

}  // namespace lmf::test
