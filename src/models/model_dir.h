// The model directory of the families beside the decoder Transformer (recurrent LM, biLM,
// BERT): config.json and model.safetensors. One reader and one writer, so every family
// reports a bad file the same way (FormatError naming the file) and writes the same way
// (the weights, then the config, each atomically).
#pragma once
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "core/tensor.h"

namespace lmf::models {

struct ModelDirFiles {
  std::string config_path, weights_path;
  nlohmann::json config;                  // DIR/config.json, parsed
  std::map<std::string, Tensor> tensors;  // DIR/model.safetensors, every tensor by name
};

ModelDirFiles read_model_dir(const std::string& dir);

// Creates DIR when missing.
void write_model_dir(const std::string& dir, const nlohmann::json& config,
                     const std::vector<std::pair<std::string, Tensor>>& tensors);

}  // namespace lmf::models
