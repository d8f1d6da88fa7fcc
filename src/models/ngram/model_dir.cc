#include "models/ngram/model_dir.h"

#include <filesystem>

#include "core/error.h"
#include "io/atomic_file.h"
#include "models/ngram/arpa_io.h"

namespace lmf::ngram {

namespace fs = std::filesystem;

void save_ngram_dir(const std::string& dir, const NgramModel& model, const nlohmann::json& config) {
  write_arpa((fs::path(dir) / kArpaFileName).string(), model);
  io::write_text_atomic((fs::path(dir) / "config.json").string(), config.dump(2) + "\n");
}

NgramModelFiles load_ngram(const std::string& path) {
  NgramModelFiles f;
  if (!fs::is_directory(path)) {
    if (!fs::exists(path)) throw FormatError(path + ": no such file or directory");
    f.model = read_arpa(path);
    return f;
  }
  const std::string config_path = (fs::path(path) / "config.json").string();
  try {
    f.config = nlohmann::json::parse(io::read_file(config_path));
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(config_path + ": not valid JSON: " + e.what());
  }
  if (!f.config.is_object() || f.config.value("model_type", "") != "ngram")
    throw FormatError(config_path + ": model_type is not \"ngram\" (not an n-gram model directory)");
  const std::string unit = f.config.value("unit", "word");
  if (unit != "word" && unit != "token") throw FormatError(config_path + ": unit must be \"word\" or \"token\", got \"" + unit + "\"");
  f.unit = unit == "word" ? Unit::Word : Unit::Token;
  const auto eot = f.config.find("eot_id");
  if (eot != f.config.end() && !eot->is_number_integer()) throw FormatError(config_path + ": eot_id must be an integer");
  f.eot_id = eot == f.config.end() ? -1 : eot->get<int64_t>();
  f.model = read_arpa((fs::path(path) / kArpaFileName).string());
  const auto order = f.config.find("order");
  if (order != f.config.end() && (!order->is_number_integer() || order->get<int>() != f.model.order()))
    throw FormatError(config_path + ": order disagrees with " + kArpaFileName + " (order " + std::to_string(f.model.order()) + ")");
  return f;
}

}  // namespace lmf::ngram
