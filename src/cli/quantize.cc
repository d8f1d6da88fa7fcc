// lmforge quantize: a GGUF file written again with another type (as llama.cpp's
// llama-quantize does, with its per-tensor type mix; docs/gguf.md).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.h"
#include "models/gguf_export.h"

namespace lmf::cli {
namespace {

int run_quantize(int argc, char** argv) {
  CLI::App app{"Write a GGUF file again with another tensor type", "lmforge quantize"};
  std::string in, out, type;
  app.add_option("in", in, "input .gguf file")->required();
  app.add_option("out", out, "output .gguf file")->required();
  app.add_option("--type", type, "file type")->check(CLI::IsMember(gguf_export_type_names()))->required();
  LMF_PARSE(app, argc, argv);
  auto written = quantize_gguf(in, out, gguf_export_type(type));
  std::fprintf(stderr, "wrote %zu tensors to %s\n", written.size(), out.c_str());
  return 0;
}

Command reg("quantize", "write a GGUF file again as f32, f16, bf16, q8_0, q4_0, q5_0, q4_k_m or q6_k", run_quantize);

}  // namespace
}  // namespace lmf::cli
