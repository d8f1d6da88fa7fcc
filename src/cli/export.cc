// lmforge export gguf: a model (with a LoRA adapter merged in) as a GGUF file for
// llama.cpp and ollama (docs/gguf.md).
#include <CLI/CLI.hpp>
#include <cstdio>

#include "cli/command.h"
#include "finetune/export_gguf.h"
#include "models/gguf_export.h"

namespace lmf::cli {
namespace {

int run_export_gguf(int argc, char** argv) {
  CLI::App app{"Write a model as a GGUF file for llama.cpp", "lmforge export gguf"};
  ft::ExportGgufOptions opt;
  app.add_option("--model", opt.model_dir, "model directory (config.json, model.safetensors, tokenizer.json)")
      ->required();
  app.add_option("--adapter", opt.adapter_dir, "LoRA adapter directory to merge in first");
  app.add_option("--tokenizer", opt.tokenizer, "tiktoken:NAME, a tokenizer.json, or a directory holding one (default: the model's tokenizer.json)");
  app.add_option("--type", opt.type, "tensor type of the weights")
      ->check(CLI::IsMember(gguf_export_type_names()))
      ->default_str("f32");
  app.add_option("--out", opt.out, "output .gguf file")->required();
  LMF_PARSE(app, argc, argv);
  auto written = ft::export_gguf(opt);
  std::fprintf(stderr, "wrote %zu tensors to %s\n", written.size(), opt.out.c_str());
  return 0;
}

Command reg("export gguf", "write a model as a GGUF file for llama.cpp (f32, f16, bf16, q8_0, q4_0, q5_0, q4_k_m, q6_k)", run_export_gguf);

}  // namespace
}  // namespace lmf::cli
