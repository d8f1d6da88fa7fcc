// Test support: a folder built once and kept across test runs (trained fixture models).
#pragma once
#include <functional>
#include <nlohmann/json.hpp>
#include <string>

namespace lmf::test {

// The folder `name`-KEY under the system's temp folder, where KEY hashes what builds it:
// `params` (every parameter of the build that a caller may vary) and the content of the
// sources that build fixtures (the library and tests/support/, hashed by CMake at build
// time: LMFORGE_FIXTURE_SOURCE_HASH). A change to either gives a new folder, so a test never
// runs against a fixture that other code or other parameters built.
//
// When the folder lacks `marker` (a file that is written last, e.g. "model.safetensors"),
// build(tmp) writes it on one thread (the same fixture whatever the caller's thread count)
// into a private folder that is then renamed into place, so concurrent test processes never
// see half of it. Builders take turns on a lock file beside it (FOLDER.lock): a process that
// waited finds the folder built and does not build it again. Returns the path.
std::string cached_dir(const std::string& name, const nlohmann::json& params, const std::string& marker,
                       const std::function<void(const std::string& tmp)>& build);

// KEY for `params` in this build (16 hex digits).
std::string fixture_key(const nlohmann::json& params);

}  // namespace lmf::test
