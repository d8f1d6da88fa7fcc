// lmforge scaling: train a grid of GPT models (sizes x token counts) and fit scaling laws
// to their validation losses (train/scaling/grid.h); lmforge scaling fit: fit points given
// in a JSONL file without training (train/scaling/report.h). Both print the points table,
// the fitted L(N, D) and L(N) beside the published exponents and the compute-optimal size
// for --budget; --json prints fit.json's object instead.
//   lmforge scaling --data DIR --out DIR [--sizes 1x32,2x48,3x64] [--tokens 16384,65536,262144]
//                   [--batch 8] [--seq 64] [--lr 2e-3] [--eval-batches 20] [--seed N] [--budget FLOPS]
//                   [--start-grid hoffmann|quick] [--json] [--threads N]
//   lmforge scaling fit --points FILE.jsonl [--out DIR] [--budget FLOPS] [--start-grid hoffmann|quick] [--json]
#include <CLI/CLI.hpp>
#include <cstdio>
#include <cstring>
#include <string>
#include <vector>

#include "cli/command.h"
#include "cli/flags.h"
#include "train/scaling/grid.h"
#include "train/scaling/report.h"

namespace lmf::cli {
namespace {

void add_analysis_flags(CLI::App& app, train::scaling::AnalysisOptions& a, bool& json) {
  app.add_option("--budget", a.budget, "training compute in FLOPs (C = 6ND) to size the compute-optimal model for "
                                       "(default: the largest 6ND among the points)")
      ->check(real_positive());
  app.add_option("--start-grid", a.grid, "L-BFGS start points of the L(N, D) fit: hoffmann (the paper's 4500) | quick (36)")
      ->check(CLI::IsMember({"hoffmann", "quick"}))
      ->capture_default_str();
  app.add_flag("--json", json, "print the fit as JSON (fit.json's object) instead of the text report");
}

void print_report(const train::scaling::ScalingReport& r, bool json) {
  if (json)
    std::printf("%s\n", train::scaling::report_json(r).dump().c_str());
  else
    std::printf("%s", train::scaling::format_report(r).c_str());
}

int run_scaling_fit(int argc, char** argv);

int run_scaling(int argc, char** argv) {
  if (argc >= 2 && !std::strcmp(argv[1], "fit")) {  // `lmforge scaling fit`, named as the user ran it
    std::string prog = std::string(argv[0]) + " fit";
    std::vector<char*> args{prog.data()};
    for (int i = 2; i < argc; ++i) args.push_back(argv[i]);
    try {
      return run_scaling_fit(int(args.size()), args.data());
    } catch (const std::exception& e) {
      std::fprintf(stderr, "%s: error: %s\n", prog.c_str(), e.what());
      return kExitFailure;
    }
  }
  CLI::App app{"Train a grid of GPT models (sizes x training tokens) and fit scaling laws to their validation losses. "
               "`lmforge scaling fit --help`: fit given points without training",
               "lmforge scaling"};
  train::scaling::GridOptions o;
  bool json = false;
  int threads = 0;
  app.add_option("--data", o.data_dir, "directory with train.bin, val.bin and meta.json from `lmforge data tokenize`")->required();
  app.add_option("--out", o.out_dir, "grid directory: points.jsonl, fit.json, scaling.svg, runs/, configs/ (resumable)")
      ->required();
  app.add_option("--sizes", o.sizes, "model sizes LAYERSxWIDTH[xHEADS], comma-separated (heads default to width/16)")
      ->delimiter(',')
      ->capture_default_str();
  app.add_option("--tokens", o.tokens, "training tokens per model, comma-separated (rounded up to whole steps)")
      ->delimiter(',')
      ->check(int_at_least<int64_t>(1))
      ->capture_default_str();
  app.add_option("--batch", o.batch, "sequences per step")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--seq", o.seq, "sequence length (and the models' context)")->check(int_at_least<int64_t>(1))->capture_default_str();
  app.add_option("--lr", o.lr, "peak learning rate (warm-up over a tenth of the steps, cosine to lr/10)")
      ->check(real_positive())
      ->capture_default_str();
  app.add_option("--eval-batches", o.eval_batches, "validation batches behind each point's loss")
      ->check(int_at_least<int64_t>(1))
      ->capture_default_str();
  app.add_option("--seed", o.seed, "seed for initialisation and data order")->capture_default_str();
  add_analysis_flags(app, o.analysis, json);
  add_threads_flag(app, threads);
  LMF_PARSE(app, argc, argv);
  apply_threads(threads);
  o.on_point = [](int i, int n, const train::scaling::Point& p, bool reused) {
    std::fprintf(stderr, "[%d/%d] %s: N %.0f, D %.0f, val loss %.4f%s\n", i, n,
                 p.row.value("size", std::string("-")).c_str(), p.N, p.D, p.loss, reused ? " (done before)" : "");
  };
  print_report(train::scaling::run_scaling_grid(o), json);
  return 0;
}

int run_scaling_fit(int argc, char** argv) {
  CLI::App app{"Fit scaling laws to points (N, D, loss) in a JSONL file, without training", "lmforge scaling fit"};
  std::string points, out;
  train::scaling::AnalysisOptions a;
  bool json = false;
  app.add_option("--points", points, "JSONL: one object per model with N (non-embedding parameters), D (tokens), loss")
      ->required();
  app.add_option("--out", out, "write fit.json and scaling.svg here");
  add_analysis_flags(app, a, json);
  LMF_PARSE(app, argc, argv);
  print_report(train::scaling::fit_points_file(points, out, a), json);
  return 0;
}

Command reg("scaling",
            "train a grid of model sizes x data amounts and fit scaling laws (Kaplan, Hoffmann); "
            "`scaling fit --points FILE`: fit given points",
            run_scaling);

}  // namespace
}  // namespace lmf::cli
