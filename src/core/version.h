// The lmforge release, as `lmforge --version` prints it.
#pragma once

namespace lmf {

inline constexpr const char* kVersion = "0.3.0";

}  // namespace lmf
