// The `decontaminate` stage: documents sharing a word n-gram (n = 13 as in GPT-3, Brown et
// al. 2020) with an evaluation set are removed (mode "remove", reason "contaminated") or
// kept with a "contamination" field listing the eval items (mode "flag").
//
// Eval sets are files read like pipeline input (JSONL with `eval_text_field`, or text with
// one item per non-blank line; gzip/zstd allowed). Words as in
// data/pipeline/words.h. An item shorter than n words contributes its whole word sequence
// (GPT-3's rule for short examples); an n-gram that several items hold counts for each of
// them. The report lists every leaked item (its source and the number of documents that
// contain it) and how many items were checked. Only n-grams
// whose words all occur in some eval item (a bit set of the eval words' hashes) are looked
// up.
#pragma once
#include <atomic>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <unordered_map>
#include <vector>

#include "data/pipeline/stage.h"

namespace lmf::data::pipeline {

struct DecontaminateOptions {
  std::vector<std::string> eval;
  std::string eval_text_field = "text";
  int ngram = 13;
  std::string mode = "remove";  // or "flag"
  static DecontaminateOptions from_json(const nlohmann::json& j);
};

class DecontaminateStage : public Stage {
 public:
  explicit DecontaminateStage(DecontaminateOptions o);
  std::string name() const override { return "decontaminate"; }
  std::vector<std::string> counter_names() const override { return {"contaminated_documents"}; }
  void process(Document& doc, int64_t position, int64_t* counters) const override;
  void report(nlohmann::ordered_json& out) const override;

 private:
  DecontaminateOptions o_;
  std::vector<std::string> items_;                    // source of each eval item
  std::unordered_map<uint64_t, uint32_t> grams_;      // n-gram hash -> first item holding it
  std::unordered_map<uint64_t, std::vector<uint32_t>> shared_;  // n-gram hash -> the later items holding it
  std::vector<int> lengths_;                          // n-gram lengths to look up (n, and shorter items')
  std::vector<uint64_t> vocabulary_;                  // bit set of the eval words (top 20 bits of their hashes)
  std::unique_ptr<std::atomic<int64_t>[]> hits_;      // documents per item
};

}  // namespace lmf::data::pipeline
