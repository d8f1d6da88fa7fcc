// lmforge watermark detect: is a text watermarked under a key? (eval/watermark_detect.h)
//   lmforge watermark detect --tokenizer SPEC --key KEY [--gamma G] [--z-threshold Z] FILE|-
// The text is encoded as `lmforge tokenize` encodes it (no special tokens); every token after
// the first is scored. Prints {"tokens", "green", "gamma", "z", "p_value", "detected"} as one
// JSON line. Needs no model: only the tokenizer the text was generated with.
#include <CLI/CLI.hpp>

#include <cstdio>
#include <iostream>
#include <sstream>

#include "cli/command.h"
#include "cli/flags.h"
#include "eval/watermark_detect.h"
#include "infer/watermark.h"
#include "io/atomic_file.h"
#include "models/checkpoint.h"

namespace lmf::cli {
namespace {

int run_watermark_detect(int argc, char** argv) {
  CLI::App app{"Detect a green-list watermark (Kirchenbauer et al. 2023) in a text", "lmforge watermark detect"};
  std::string spec, key, file;
  double gamma = kWatermarkGamma, z_threshold = eval::kWatermarkZThreshold;
  app.add_option("--tokenizer", spec,
                 "tokenizer SPEC the text was generated with: a tokenizer.json, a directory, a .gguf file or tiktoken:NAME")
      ->required();
  app.add_option("--key", key, "the watermark's secret key (generate/serve --watermark KEY)")->required();
  app.add_option("--gamma", gamma, "the green share of the vocabulary used when generating")
      ->check(real_range(1e-6, 1 - 1e-6))
      ->capture_default_str();
  app.add_option("--z-threshold", z_threshold, "detected when z is above this")->check(real_range(-1e6, 1e6))->capture_default_str();
  app.add_option("FILE", file, "the text (- for standard input)")->required();
  LMF_PARSE(app, argc, argv);
  if (key.empty()) throw Error("--key: the key is empty");
  std::string text;
  if (file == "-") {
    std::ostringstream ss;
    ss << std::cin.rdbuf();
    text = ss.str();
  } else {
    text = io::read_file(file);
  }
  const tok::Tokenizer tk = load_tokenizer(spec);
  const std::vector<TokenId> ids = tk.encode(text);
  if (ids.size() < 2)
    throw Error("watermark detect: " + (file == "-" ? std::string("<stdin>") : file) + " holds " +
                std::to_string(ids.size()) + " token(s); at least 2 are needed");
  const eval::WatermarkScore s = eval::detect_watermark(ids, key, gamma, int64_t(tk.vocab_size()), z_threshold);
  std::printf("%s\n", s.to_json().dump().c_str());
  return 0;
}

Command reg_detect("watermark detect", "score a text for a --watermark KEY green-list watermark (z-test; no model needed)",
                   run_watermark_detect);

}  // namespace
}  // namespace lmf::cli
