// Atomic file writes: data goes to "<path>.tmp.<pid>", is flushed and fsync'ed, then
// renamed over <path>. A crash or an error leaves either the old file or the new one,
// never a torn one, and no temporary behind.
#pragma once
#include <functional>
#include <ostream>
#include <string>

namespace lmf::io {

// Calls write(out) and commits the file atomically; on any exception the temporary is
// removed and the exception propagates (as lmf::Error naming the path for I/O failures).
void write_file_atomic(const std::string& path, const std::function<void(std::ostream& out)>& write);
void write_text_atomic(const std::string& path, const std::string& text);

// Whole file as bytes; FormatError naming the path when it cannot be read.
std::string read_file(const std::string& path);

}  // namespace lmf::io
