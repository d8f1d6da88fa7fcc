// The scaling grid behind `lmforge scaling`: trains one GPT-2-style model (train/trainer.h)
// for every (size, token count) pair on the same token shards and records each as a point
// (points.h) in OUT/points.jsonl, then analyses the points (report.h).
//
// A size is "LxC" (L layers, width C, C/16 heads of 16 dimensions; C a multiple of 16) or
// "LxCxH" (H heads). Every model has the data's vocabulary (DATA/meta.json), a context of
// --seq, no dropout; it trains with AdamW at --lr, a warm-up over a tenth of its steps and
// a cosine decay to lr/10, for ceil(tokens / (batch * seq)) steps, so D (the tokens it saw)
// is that step count times batch * seq. Its loss is the validation loss over
// eval_batches batches of DATA/val.bin at the end. N counts the non-embedding parameters
// (Kaplan et al.: all but the token and position embeddings).
//
// Layout: OUT/grid.json (the options every point shares), OUT/configs/SIZE.json,
// OUT/runs/SIZE-DTOKENS/ (each run's model, metrics.jsonl, loss.svg), OUT/points.jsonl,
// OUT/fit.json, OUT/scaling.svg. Resumable: a point already in points.jsonl is not
// retrained (a run directory without its point is trained again from the start); OUT
// made with other shared options is an error rather than a mixed grid. Every file is
// written atomically, points.jsonl after each run.
#pragma once
#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "train/scaling/report.h"

namespace lmf::train::scaling {

struct ModelSize {
  std::string name;  // as given, e.g. "2x64"
  int64_t n_layer = 0, n_embd = 0, n_head = 0;
};
ModelSize parse_size(const std::string& spec);  // lmf::Error naming the spec when malformed

struct GridOptions {
  std::string data_dir, out_dir;
  std::vector<std::string> sizes = {"1x32", "2x48", "3x64"};
  std::vector<int64_t> tokens = {16384, 65536, 262144};
  int64_t batch = 8, seq = 64, eval_batches = 20;
  double lr = 2e-3;
  uint64_t seed = 1337;
  AnalysisOptions analysis;
  // Called after each grid point (trained or found done): its index from 1, the count, the point.
  std::function<void(int index, int total, const Point& p, bool reused)> on_point;
};

ScalingReport run_scaling_grid(const GridOptions& opt);

}  // namespace lmf::train::scaling
