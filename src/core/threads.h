// Thread count for every parallel kernel (OpenMP, and oneDNN which shares its runtime).
// Defaults to LMFORGE_THREADS when set (0 to kMaxThreads, 0 = every core), else the number of cores. Kernels split work with
// static schedules and fixed reduction orders, so results are bit-identical run to run
// for a fixed thread count.
#pragma once

namespace lmf::threads {

inline constexpr int kMaxThreads = 1024;

// Applies LMFORGE_THREADS if set (called by set/get on first use; idempotent).
void init_from_env();
// n == 0 means every core; n must be 0 to kMaxThreads (Error otherwise).
void set(int n);
int get();

}  // namespace lmf::threads
