// JSON Lines input: one record a line. The one line reader every JSONL consumer uses, so
// each reports a bad record the same way, as "PATH:LINE".
#pragma once
#include <cstdint>
#include <functional>
#include <string>

namespace lmf::io {

// Calls fn(line, n, where) for each non-blank line of `path` (n counts from 1, blank lines
// included; `where` is "PATH:n"). FormatError naming the path when it cannot be opened or
// holds no non-blank line ("no examples").
void for_each_jsonl_line(const std::string& path,
                         const std::function<void(const std::string& line, int64_t n, const std::string& where)>& fn);

}  // namespace lmf::io
