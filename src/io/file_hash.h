// Content hashes of files: XXH64 (seed 0) of their bytes, as 16 lowercase hex digits —
// the checksum of saved training state and the fingerprint of a model's weights that an
// index built from the model records. Reads in 1 MiB blocks; any size.
#pragma once
#include <string>
#include <vector>

namespace lmf::io {

// XXH64 of the file's bytes. FormatError naming the path when it cannot be read.
std::string file_xxh64(const std::string& path);
// XXH64 of the files' bytes one after another (in the order given), as one stream.
std::string files_xxh64(const std::vector<std::string>& paths);

}  // namespace lmf::io
