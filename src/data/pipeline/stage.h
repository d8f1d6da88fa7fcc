// A pipeline stage: one step (normalize, filter, pii, dedup, ...) applied to documents.
//
// Per-document stages implement process(), which the runner calls concurrently from
// several threads on different documents (so it must only read shared state), in any
// order. A stage removes a document with doc.remove(name(), reason) and may rewrite its
// text or add output fields. Counters a stage keeps (PII matches per type, ...) are named
// by counter_names() and incremented through the `counters` array, one per thread, summed
// by the runner: no locks and no allocation per document.
//
// Corpus-wide stages (dedup, line_dedup) need to see every document before deciding about
// any: the runner first calls observe() for every document reaching the stage
// (concurrently, `position` numbering them 0, 1, ... in input order), then finish() once,
// then process() for each document again with the same position.
#pragma once
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/pipeline/document.h"

namespace lmf::data::pipeline {

class Stage {
 public:
  virtual ~Stage() = default;
  virtual std::string name() const = 0;
  virtual std::vector<std::string> counter_names() const { return {}; }
  virtual void process(Document& doc, int64_t position, int64_t* counters) const = 0;

  virtual bool corpus_wide() const { return false; }
  virtual void observe(const Document& doc, int64_t position) {}
  virtual void finish() {}

  // Stage-specific additions to the report (settings, dedup clusters, leaked eval items).
  virtual void report(nlohmann::ordered_json& out) const {}
};

}  // namespace lmf::data::pipeline
