#include "io/file_hash.h"

#include <xxhash.h>

#include <cstdio>
#include <fstream>
#include <memory>

#include "core/error.h"

namespace lmf::io {

std::string files_xxh64(const std::vector<std::string>& paths) {
  std::unique_ptr<XXH64_state_t, decltype(&XXH64_freeState)> st(XXH64_createState(), XXH64_freeState);
  XXH64_reset(st.get(), 0);
  std::vector<char> buf(1 << 20);
  for (const std::string& path : paths) {
    std::ifstream in(path, std::ios::binary);
    if (!in) throw FormatError("cannot open " + path);
    while (in) {
      in.read(buf.data(), std::streamsize(buf.size()));
      XXH64_update(st.get(), buf.data(), size_t(in.gcount()));
    }
    if (in.bad()) throw FormatError(path + ": read error");
  }
  char hex[17];
  std::snprintf(hex, sizeof hex, "%016llx", (unsigned long long)XXH64_digest(st.get()));
  return hex;
}

std::string file_xxh64(const std::string& path) { return files_xxh64({path}); }

}  // namespace lmf::io
