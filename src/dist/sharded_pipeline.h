// `lmforge data run` across the ranks of an mpirun job: the input split among the ranks
// (rank r reads documents whose index % N == r, the --shard rule), exact and MinHash dedup
// global (the dedup stage exchanges its index through data/pipeline/shard_exchange.h), and
// one set of outputs, as one process would write them:
//
//   OUT/kept.jsonl      every rank's kept documents, in input order;
//   OUT/removed.jsonl   every rank's removed documents, in input order (one process lists
//                       them stage segment by segment; the set is the same);
//   OUT/report.json     the ranks' reports summed (documents, bytes, per-stage counts,
//                       removal reasons; seconds the slowest rank's), with "ranks": N;
//                       documents in = kept + removed is checked again on the sums.
//
// Each rank runs in OUT/.rank-R (its spill files included); rank 0 merges them and removes
// them, so OUT must be on a filesystem every rank can reach (as the inputs are). A
// pipeline file's last "tokenize" step runs on rank 0 over the merged kept.jsonl. Any other
// corpus-wide stage (line_dedup) would decide per shard, so it is refused under mpirun, as
// is --shard. With one rank this is data::pipeline::run_pipeline_file unchanged.
#pragma once
#include <string>

#include "data/pipeline/pipeline_file.h"

namespace lmf::dist {

data::pipeline::PipelineFileResult run_pipeline_file_ranks(const std::string& path,
                                                           const data::pipeline::RunOptions& options);

}  // namespace lmf::dist
