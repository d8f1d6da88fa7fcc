// The watermark flags of `generate` and `serve` (infer/watermark.h), declared one way:
//   --watermark KEY   watermark the generated text with this secret key
//   --gamma G         the green share of the vocabulary (default 0.25)
//   --delta D         the bias added to green logits (default 2)
// The caller sets WatermarkOptions::vocab_size from the tokenizer it loads.
#pragma once
#include <CLI/CLI.hpp>

#include "cli/flags.h"
#include "infer/watermark.h"

namespace lmf::cli {

inline void add_watermark_flags(CLI::App& app, WatermarkOptions& w) {
  app.add_option("--watermark", w.key,
                 "watermark the output with this secret KEY (Kirchenbauer et al. 2023 green lists; "
                 "`lmforge watermark detect` finds it)");
  app.add_option("--gamma", w.gamma, "watermark: the green share of the vocabulary")
      ->check(real_range(1e-6, 1 - 1e-6))
      ->capture_default_str();
  app.add_option("--delta", w.delta, "watermark: the bias added to the green tokens' logits")
      ->check(real_range(0, 1000))
      ->capture_default_str();
}

}  // namespace lmf::cli
