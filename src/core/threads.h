// Thread count for every parallel kernel (OpenMP, and oneDNN which shares its runtime).
// Defaults to LMFORGE_THREADS when set, else the number of cores. Kernels split work with
// static schedules and fixed reduction orders, so results are bit-identical run to run
// for a fixed thread count.
#pragma once

namespace lmf::threads {

// Applies LMFORGE_THREADS if set (called by set/get on first use; idempotent).
void init_from_env();
void set(int n);  // n <= 0 means "all cores"
int get();

}  // namespace lmf::threads
