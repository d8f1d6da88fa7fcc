#include "train/metrics_log.h"

#include <cerrno>
#include <cstring>
#include <filesystem>
#include <sstream>

#include "core/error.h"
#include "io/atomic_file.h"

namespace lmf::train {

namespace {

// Complete lines of `text`: a last line without its newline was torn by a crash.
std::vector<std::string> complete_lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t at = 0;
  for (size_t nl; (nl = text.find('\n', at)) != std::string::npos; at = nl + 1) lines.push_back(text.substr(at, nl - at));
  return lines;
}

}  // namespace

MetricsLog::MetricsLog(const std::string& path, int64_t resume_step) : path_(path) {
  std::string kept;
  if (resume_step >= 0 && std::filesystem::exists(path)) {
    for (auto& row : read(path)) {
      if (row.contains("step") && row["step"].is_number() && row["step"].get<int64_t>() > resume_step) continue;
      kept += row.dump() + "\n";
    }
  }
  io::write_text_atomic(path, kept);
  file_ = std::fopen(path.c_str(), "ab");
  if (!file_) throw Error("cannot open " + path + " for appending: " + std::strerror(errno));
}

MetricsLog::~MetricsLog() {
  if (file_) std::fclose(file_);
}

void MetricsLog::write(const nlohmann::json& row) {
  if (!row.is_object()) throw Error("metrics row for " + path_ + " must be a JSON object, got " + row.dump());
  const std::string line = row.dump() + "\n";
  if (std::fwrite(line.data(), 1, line.size(), file_) != line.size() || std::fflush(file_) != 0)
    throw Error("cannot write to " + path_ + ": " + std::strerror(errno));
}

std::vector<nlohmann::json> MetricsLog::read(const std::string& path) {
  std::vector<nlohmann::json> rows;
  auto lines = complete_lines(io::read_file(path));
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].empty()) continue;
    nlohmann::json row = nlohmann::json::parse(lines[i], nullptr, false);
    if (row.is_discarded() || !row.is_object())
      throw FormatError(path + ": line " + std::to_string(i + 1) + " is not a JSON object");
    rows.push_back(std::move(row));
  }
  return rows;
}

}  // namespace lmf::train
