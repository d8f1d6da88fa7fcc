// lmforge merge: fold a LoRA adapter into its base model's weights (W += alpha/r · B·A),
// writing a plain model directory that gives the adapted model's outputs.
#include <CLI/CLI.hpp>
#include <filesystem>

#include "cli/command.h"
#include "infer/chat_template.h"
#include "finetune/lora.h"
#include "models/checkpoint.h"

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
  Transformer model = load_model(model_dir);
  std::unique_ptr<ft::PeftMethod> lora = ft::load_adapter(model, adapter_dir);
  ft::merge_lora(model, *lora);
  save_model(model, out_dir);
  namespace fs = std::filesystem;
  for (const std::string& dir : {adapter_dir, model_dir})
    if (fs::exists(dir + "/tokenizer.json") && !fs::exists(out_dir + "/tokenizer.json"))
      fs::copy_file(dir + "/tokenizer.json", out_dir + "/tokenizer.json");
  if (fs::exists(adapter_dir + "/tokenizer_config.json") || fs::exists(model_dir + "/tokenizer_config.json"))
    write_chat_template(out_dir);
  return 0;
}

Command reg("merge", "fold a LoRA adapter into a model's weights", run_merge);

}  // namespace
}  // namespace lmf::cli
