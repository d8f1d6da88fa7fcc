// RUN_DIR/metrics.jsonl: one JSON object a line, one line a training step (and one for
// each evaluation), appended and flushed as it happens so a crash loses at most the row
// being written, and `tail -f` shows progress.
//
// Opening for a fresh run empties the file. Opening to resume from step S keeps the rows
// whose "step" is <= S, in their order, and drops the rest (the steps the resumed run is
// about to redo) together with any torn last line; the kept rows are rewritten
// atomically before appending starts.
#pragma once
#include <cstdint>
#include <cstdio>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

namespace lmf::train {

class MetricsLog {
 public:
  // resume_step < 0: a fresh log. Otherwise keep rows with step <= resume_step.
  explicit MetricsLog(const std::string& path, int64_t resume_step = -1);
  ~MetricsLog();
  MetricsLog(const MetricsLog&) = delete;
  MetricsLog& operator=(const MetricsLog&) = delete;

  // Appends one row (a JSON object, written on one line) and flushes it.
  void write(const nlohmann::json& row);
  const std::string& path() const { return path_; }

  // Every complete row of a metrics file, in order (a torn last line is skipped); Error
  // naming the file and line for a line that is not a JSON object.
  static std::vector<nlohmann::json> read(const std::string& path);

 private:
  std::string path_;
  FILE* file_ = nullptr;
};

}  // namespace lmf::train
