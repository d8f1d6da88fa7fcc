// The pipeline runner: streams the input documents through a list of stages and writes
// OUT/kept.jsonl, OUT/removed.jsonl and OUT/report.json (all committed atomically at the
// end; a failed run leaves none of them).
//
// Documents are read in batches of about batch_bytes and each batch is processed in
// parallel (documents over threads, every stage in turn on a document); outputs keep the
// input order. While a batch is processed, one of the threads first writes the previous
// batch's outputs and reads the next batch, so three batches are in memory at most. Memory
// is bounded by the batch size, except for what corpus-wide stages keep (documented in
// data/pipeline/dedup.h and line_dedup.h).
//
// A corpus-wide stage splits the run: the survivors of the stages before it are observed
// by it and spilled to OUT/.spill-K.bin (K numbers the run's passes from 0; binary
// records, data/pipeline/spill.h); after finish() the spill is read back, deleted, and the
// run continues from that stage. removed.jsonl therefore lists removals stage segment by
// segment, each segment in input order.
//
// Reading is itself the first step, reported as stage "read": a JSONL line that is not an
// object is removed with reason "invalid_json", one without a string text field with
// "no_text_field"; invalid UTF-8 is repaired (U+FFFD, counted as utf8_repaired) or, with
// repair_utf8 false, the document removed with reason "invalid_utf8".
//
// At the end the runner checks conservation: documents read = kept + removed; it throws
// (and writes nothing) if that does not hold.
#pragma once
#include <cstdint>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "data/pipeline/reader.h"
#include "data/pipeline/stage.h"

namespace lmf::data::pipeline {

struct RunOptions {
  std::vector<std::string> inputs;
  std::string out_dir;
  std::string text_field = "text";
  TextUnit text_unit = TextUnit::file;
  std::vector<std::string> extensions;  // files taken from folders (see reader.h); empty: all
  bool repair_utf8 = true;
  int threads = 0;  // <= 0: lmf::threads::get()
  int shard_index = 0, shard_count = 1;
  size_t batch_bytes = size_t(8) << 20;
  bool progress = true;  // progress lines on stderr every few seconds
  bool record_indexes = false;  // fill RunResult's kept_indexes / removed_indexes
};

struct RunResult {
  int64_t documents_in = 0, kept = 0, removed = 0;
  int64_t bytes_in = 0, bytes_kept = 0;
  double seconds = 0;
  nlohmann::ordered_json report;  // as written to report.json
  // With record_indexes: the input index of each line of kept.jsonl and removed.jsonl, in order.
  std::vector<int64_t> kept_indexes, removed_indexes;
};

RunResult run_pipeline(const std::vector<std::unique_ptr<Stage>>& stages, const RunOptions& options);

// The report as a few readable lines (documents and bytes per stage, reasons, speed).
std::string format_report(const nlohmann::ordered_json& report);

}  // namespace lmf::data::pipeline
