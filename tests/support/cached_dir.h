// Test support: a folder built once and kept across test runs (trained fixture models).
#pragma once
#include <functional>
#include <string>

namespace lmf::test {

// The folder `name` under the system's temp folder. When it lacks `marker` (a file that is
// written last, e.g. "model.safetensors"), build(tmp) writes it into a private folder that
// is then renamed into place, so concurrent test processes never see half of it. Builders
// take turns on a lock file beside it (`name`.lock): a process that waited finds the
// folder built and does not build it again. Returns the path.
std::string cached_dir(const std::string& name, const std::string& marker,
                       const std::function<void(const std::string& tmp)>& build);

}  // namespace lmf::test
