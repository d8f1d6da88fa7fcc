// Stages by name, from their JSON settings: the one place that maps a pipeline file's
// {"stage": "filter", ...} entries (and the single-stage commands' --set pairs) to
// Stage objects. Unknown stages and settings are errors naming them.
//
// A pipeline file is {"stages": [{"stage": NAME, SETTING: VALUE, ...}, ...]}; reading one,
// with its optional last "tokenize" step, is pipeline_file.h's.
#pragma once
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/pipeline/stage.h"

namespace lmf::data::pipeline {

std::vector<std::string> stage_names();
std::unique_ptr<Stage> make_stage(const std::string& name, const nlohmann::json& settings);
// The stages of a parsed pipeline file; `where` names the file in errors.
std::vector<std::unique_ptr<Stage>> load_pipeline(const nlohmann::json& j, const std::string& where);

}  // namespace lmf::data::pipeline
