// The `line_dedup` stage (CCNet, Wenzek et al. 2020): lines repeated across the corpus —
// navigation, boilerplate, footers — are removed from every document but the first one
// holding them (input order). Lines are compared after lower-casing (ASCII), collapsing
// whitespace and trimming; empty lines are kept. A document left without any non-empty
// line is removed (reason "empty_after_line_dedup"). The `lines_removed` counter counts
// dropped lines.
//
// Corpus-wide: the index keeps, per distinct line, its 64-bit hash and first occurrence
// (about 50 bytes per distinct line in the hash table).
#pragma once
#include <mutex>
#include <string>
#include <unordered_map>

#include "data/pipeline/stage.h"

namespace lmf::data::pipeline {

class LineDedupStage : public Stage {
 public:
  std::string name() const override { return "line_dedup"; }
  bool corpus_wide() const override { return true; }
  std::vector<std::string> counter_names() const override { return {"lines_removed"}; }
  void observe(const Document& doc, int64_t position) override;
  void process(Document& doc, int64_t position, int64_t* counters) const override;
  void report(nlohmann::ordered_json& out) const override;

 private:
  std::mutex mu_;
  std::unordered_map<uint64_t, uint64_t> first_;  // line hash -> position << 24 | line number
};

}  // namespace lmf::data::pipeline
