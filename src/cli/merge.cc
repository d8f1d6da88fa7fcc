// lmforge merge: fold a LoRA adapter into its base model's weights (W += alpha/r · B·A),
// writing a plain model directory that gives the adapted model's outputs.
#include <CLI/CLI.hpp>

#include "cli/command.h"
#include "finetune/lora.h"

namespace lmf::cli {
namespace {

int run_merge(int argc, char** argv) {
  CLI::App app{"Merge a LoRA adapter into the base model's weights", "lmforge merge"};
  std::string model_dir, adapter_dir, out_dir;
  app.add_option("--model", model_dir, "base model directory")->required();
  app.add_option("--adapter", adapter_dir, "LoRA adapter directory (adapter_config.json, adapter_model.safetensors)")
      ->required();
  app.add_option("--out", out_dir, "output model directory")->required();
  LMF_PARSE(app, argc, argv);
  ft::merge_lora_dirs(model_dir, adapter_dir, out_dir);
  return 0;
}

Command reg("merge", "fold a LoRA adapter into a model's weights", run_merge);

}  // namespace
}  // namespace lmf::cli
