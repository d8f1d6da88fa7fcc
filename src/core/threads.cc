#include "core/threads.h"

#include <omp.h>

#include <cstdlib>
#include <string>

#include "core/error.h"

namespace lmf::threads {
namespace {
bool g_init = false;
}

void init_from_env() {
  if (g_init) return;
  g_init = true;
  if (const char* e = std::getenv("LMFORGE_THREADS"); e && *e) {
    char* end = nullptr;
    long n = std::strtol(e, &end, 10);
    if (*end != '\0' || n < 0 || n > kMaxThreads)
      throw Error(std::string("LMFORGE_THREADS must be an integer from 0 to ") + std::to_string(kMaxThreads) + ", got '" +
                  e + "'");
    set(int(n));
  }
}

void set(int n) {
  if (n < 0 || n > kMaxThreads)
    throw Error("thread count must be from 0 (every core) to " + std::to_string(kMaxThreads) + ", got " + std::to_string(n));
  g_init = true;
  if (n == 0) n = omp_get_num_procs();
  omp_set_num_threads(n);
}

int get() {
  init_from_env();
  return omp_get_max_threads();
}

}  // namespace lmf::threads
