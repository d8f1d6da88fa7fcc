#include "data/pipeline/stage_factory.h"

#include "core/error.h"
#include "data/pipeline/classify_stage.h"
#include "data/pipeline/decontaminate.h"
#include "data/pipeline/dedup.h"
#include "data/pipeline/line_dedup.h"
#include "data/pipeline/normalize.h"
#include "data/pipeline/options.h"
#include "data/pipeline/pii.h"
#include "data/pipeline/quality_filter.h"

namespace lmf::data::pipeline {

std::vector<std::string> stage_names() { return {"normalize", "filter", "pii", "dedup", "line_dedup", "decontaminate", "classify"}; }

std::unique_ptr<Stage> make_stage(const std::string& name, const nlohmann::json& settings) {
  if (name == "normalize") return std::make_unique<NormalizeStage>(NormalizeOptions::from_json(settings));
  if (name == "filter") return std::make_unique<FilterStage>(FilterOptions::from_json(settings));
  if (name == "pii") {
    OptionReader("pii", settings).done();
    return std::make_unique<PiiStage>();
  }
  if (name == "dedup") return std::make_unique<DedupStage>(DedupOptions::from_json(settings));
  if (name == "line_dedup") {
    OptionReader("line_dedup", settings).done();
    return std::make_unique<LineDedupStage>();
  }
  if (name == "decontaminate")
    return std::make_unique<DecontaminateStage>(DecontaminateOptions::from_json(settings));
  if (name == "classify") return std::make_unique<ClassifyStage>(ClassifyOptions::from_json(settings));
  std::string known;
  for (auto& n : stage_names()) known += (known.empty() ? "" : ", ") + n;
  throw Error("unknown pipeline stage \"" + name + "\" (known: " + known + ")");
}

std::vector<std::unique_ptr<Stage>> load_pipeline(const nlohmann::json& j, const std::string& path) {
  if (!j.is_object() || !j.contains("stages") || !j["stages"].is_array())
    throw FormatError(path + ": expected {\"stages\": [{\"stage\": NAME, ...}, ...]}");
  std::vector<std::unique_ptr<Stage>> stages;
  for (size_t i = 0; i < j["stages"].size(); ++i) {
    const auto& s = j["stages"][i];
    if (!s.is_object() || !s.contains("stage") || !s["stage"].is_string())
      throw FormatError(path + ": stages[" + std::to_string(i) + "] needs a string field \"stage\"");
    try {
      stages.push_back(make_stage(s["stage"].get<std::string>(), s));
    } catch (const Error& e) {
      throw FormatError(path + ": stages[" + std::to_string(i) + "]: " + e.what());
    }
  }
  if (stages.empty()) throw FormatError(path + ": the pipeline has no stages");
  return stages;
}

}  // namespace lmf::data::pipeline
