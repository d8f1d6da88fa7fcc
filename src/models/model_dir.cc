// config.json + model.safetensors, read and written for every non-decoder family.
#include "models/model_dir.h"

#include <filesystem>

#include "core/error.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"

namespace lmf::models {

ModelDirFiles read_model_dir(const std::string& dir) {
  ModelDirFiles out;
  out.config_path = dir + "/config.json";
  try {
    out.config = nlohmann::json::parse(io::read_file(out.config_path));
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(out.config_path + ": " + e.what());
  }
  out.weights_path = dir + "/model.safetensors";
  const io::SafetensorsFile f = io::SafetensorsFile::open(out.weights_path);
  for (const std::string& n : f.names()) out.tensors[n] = f.get(n);
  return out;
}

void write_model_dir(const std::string& dir, const nlohmann::json& config,
                     const std::vector<std::pair<std::string, Tensor>>& tensors) {
  std::filesystem::create_directories(dir);
  io::save_safetensors(dir + "/model.safetensors", tensors, {{"format", "pt"}});
  io::write_text_atomic(dir + "/config.json", config.dump(2) + "\n");
}

}  // namespace lmf::models
