#include "train/run_state.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <filesystem>
#include <fstream>

#include "core/error.h"
#include "io/atomic_file.h"
#include "io/file_hash.h"
#include "io/safetensors.h"

namespace lmf::train {

namespace fs = std::filesystem;

namespace {

constexpr const char* kFormat = "lmforge-trainer-state";
constexpr int kVersion = 1;

bool is_tensor_file(const std::string& name) {
  return name.rfind("optimizer-step", 0) == 0 && name.size() > 12 && name.ends_with(".safetensors");
}

}  // namespace

std::string training_state_dir(const std::string& run_dir, bool for_writing) {
  const std::string dir = (fs::path(run_dir) / kTrainingStateDir).string();
  if (!for_writing && !has_run_state(dir) && has_run_state(run_dir)) return run_dir;
  return dir;
}

bool has_run_state(const std::string& dir) { return fs::exists(fs::path(dir) / kRunStateFile); }

void save_run_state(const std::string& dir, const RunState& state, const NamedTensors& tensors) {
  fs::create_directories(dir);
  const auto nonce = std::chrono::steady_clock::now().time_since_epoch().count();
  char name[96];
  std::snprintf(name, sizeof name, "optimizer-step%08lld-%llx.safetensors", (long long)state.step,
                (unsigned long long)nonce);
  const std::string tensor_path = (fs::path(dir) / name).string();
  io::save_safetensors(tensor_path, tensors, {{"format", "pt"}});

  nlohmann::json names = nlohmann::json::array();
  for (auto& [n, t] : tensors) names.push_back(n);
  nlohmann::json j = {{"format", kFormat},          {"version", kVersion},       {"step", state.step},
                      {"seed", state.seed},         {"loader", state.loader},    {"options", state.options},
                      {"extra", state.extra},       {"tensors_file", name},      {"tensors", names},
                      {"tensors_xxh64", io::file_xxh64(tensor_path)}};
  try {
    io::write_text_atomic((fs::path(dir) / kRunStateFile).string(), j.dump(2) + "\n");
  } catch (...) {
    fs::remove(tensor_path);
    throw;
  }
  // Committed: older tensor files (and any left by an interrupted save) are garbage now.
  for (auto& entry : fs::directory_iterator(dir)) {
    const std::string f = entry.path().filename().string();
    if (is_tensor_file(f) && f != name) fs::remove(entry.path());
  }
}

SavedRunState load_run_state(const std::string& dir) {
  const std::string path = (fs::path(dir) / kRunStateFile).string();
  nlohmann::json j = nlohmann::json::parse(io::read_file(path), nullptr, false);
  if (j.is_discarded() || !j.is_object()) throw FormatError(path + ": not valid JSON");
  SavedRunState out;
  std::string tensors_file, checksum;
  std::vector<std::string> names;
  try {
    if (j.at("format").get<std::string>() != kFormat || j.at("version").get<int>() != kVersion)
      throw FormatError(path + ": not a version " + std::to_string(kVersion) + " " + kFormat + " file");
    out.state.step = j.at("step").get<int64_t>();
    out.state.seed = j.at("seed").get<uint64_t>();
    out.state.loader = j.at("loader");
    out.state.options = j.at("options");
    out.state.extra = j.at("extra");
    tensors_file = j.at("tensors_file").get<std::string>();
    checksum = j.at("tensors_xxh64").get<std::string>();
    names = j.at("tensors").get<std::vector<std::string>>();
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(path + ": " + e.what());
  }
  if (!is_tensor_file(tensors_file) || tensors_file.find('/') != std::string::npos)
    throw FormatError(path + ": tensors_file '" + tensors_file + "' is not an optimizer state file name");
  const std::string tensor_path = (fs::path(dir) / tensors_file).string();
  if (!fs::exists(tensor_path)) throw FormatError(path + ": names " + tensors_file + ", which is missing");
  const std::string actual = io::file_xxh64(tensor_path);
  if (actual != checksum)
    throw FormatError(tensor_path + ": checksum " + actual + " does not match " + checksum + " recorded in " + path);
  auto st = io::SafetensorsFile::open(tensor_path);
  std::vector<std::string> stored = st.names(), recorded = names;
  std::sort(stored.begin(), stored.end());
  std::sort(recorded.begin(), recorded.end());
  if (stored != recorded) throw FormatError(tensor_path + ": tensor names differ from those recorded in " + path);
  for (auto& n : names)
    out.tensors.emplace_back(n, st.dtype(n) == DType::F32 ? st.get(n) : st.get_raw(n));
  return out;
}

}  // namespace lmf::train
