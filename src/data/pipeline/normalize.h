// The `normalize` stage: Unicode normalization and whitespace / control-character cleanup.
//
//   form         "NFC" (default), "NFKC" or "none" (utf8proc; NFKC also folds compatibility
//                forms such as full-width letters and ligatures)
//   whitespace   true: "\r\n" and "\r" become "\n"; other Unicode line/paragraph separators
//                become "\n"; tabs, no-break and other Unicode spaces become " "; runs of
//                spaces collapse to one; spaces at line ends are dropped; more than one blank
//                line in a row becomes one; the text is trimmed.
//   controls     true: C0/C1 control characters other than "\n" and "\t", zero-width
//                characters (U+200B..U+200D, U+2060, U+FEFF) and U+FFFD are removed.
// A document that is empty afterwards is removed (reason "empty").
#pragma once
#include <nlohmann/json.hpp>
#include <string>

#include "data/pipeline/stage.h"

namespace lmf::data::pipeline {

struct NormalizeOptions {
  std::string form = "NFC";
  bool whitespace = true;
  bool controls = true;
  static NormalizeOptions from_json(const nlohmann::json& j);
};

// The normalized text (the stage's transformation, usable alone).
std::string normalize_text(const std::string& text, const NormalizeOptions& o);

class NormalizeStage : public Stage {
 public:
  explicit NormalizeStage(NormalizeOptions o);
  std::string name() const override { return "normalize"; }
  std::vector<std::string> counter_names() const override { return {"changed"}; }
  void process(Document& doc, int64_t position, int64_t* counters) const override;
  void report(nlohmann::ordered_json& out) const override;

 private:
  NormalizeOptions o_;
};

}  // namespace lmf::data::pipeline
