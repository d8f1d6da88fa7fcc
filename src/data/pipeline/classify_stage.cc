#include "data/pipeline/classify_stage.h"

#include <cmath>

#include "core/error.h"
#include "data/pipeline/options.h"

namespace lmf::data::pipeline {

ClassifyOptions ClassifyOptions::from_json(const nlohmann::json& j) {
  ClassifyOptions o;
  OptionReader r("classify", j);
  r.get("model", o.model);
  r.get("threshold", o.threshold);
  r.get("field", o.field);
  r.done();
  if (o.model.empty()) throw Error("classify: no model given (setting \"model\": FILE from 'data classifier train')");
  return o;
}

ClassifyStage::ClassifyStage(ClassifyOptions o) : o_(std::move(o)), model_(HashedLinearClassifier::load(o_.model)) {}

void ClassifyStage::process(Document& doc, int64_t, int64_t*) const {
  const float s = model_.score(doc.text);
  if (!doc.fields.is_object()) doc.fields = nlohmann::ordered_json::object();
  doc.fields[o_.field] = std::round(double(s) * 1e6) / 1e6;
  if (s < o_.threshold) doc.remove(name(), "low_score");
}

void ClassifyStage::report(nlohmann::ordered_json& out) const {
  out["settings"] = {{"model", o_.model}, {"threshold", o_.threshold}, {"field", o_.field}};
}

}  // namespace lmf::data::pipeline
