// The `classify` stage: scores each document with a HashedLinearClassifier
// (data/pipeline/quality_classifier.h), writes the score to the output field `field` (default
// "quality_score") and removes documents scoring below `threshold` (default 0.5; reason
// "low_score").
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "data/pipeline/quality_classifier.h"
#include "data/pipeline/stage.h"

namespace lmf::data::pipeline {

struct ClassifyOptions {
  std::string model;
  double threshold = 0.5;
  std::string field = "quality_score";
  static ClassifyOptions from_json(const nlohmann::json& j);
};

class ClassifyStage : public Stage {
 public:
  explicit ClassifyStage(ClassifyOptions o);
  std::string name() const override { return "classify"; }
  void process(Document& doc, int64_t position, int64_t* counters) const override;
  void report(nlohmann::ordered_json& out) const override;

 private:
  ClassifyOptions o_;
  HashedLinearClassifier model_;
};

}  // namespace lmf::data::pipeline
