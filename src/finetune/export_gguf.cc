#include "finetune/export_gguf.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "finetune/lora.h"
#include "finetune/peft.h"
#include "infer/chat_template.h"
#include "io/atomic_file.h"
#include "models/checkpoint.h"
#include "models/gguf_export.h"
#include "tokenizer/tokenizer.h"

namespace lmf::ft {

std::vector<std::pair<std::string, quant::GgmlType>> export_gguf(const ExportGgufOptions& opt) {
  namespace fs = std::filesystem;
  GgufExportOptions g;
  g.type = gguf_export_type(opt.type);
  Transformer model = load_model(opt.model_dir);
  std::string tok_spec = model_tokenizer_spec(opt.model_dir, opt.tokenizer);
  check_chat_template(opt.model_dir);
  if (!opt.adapter_dir.empty()) {
    const std::string cfg_path = opt.adapter_dir + "/adapter_config.json";
    nlohmann::json cfg;
    try {
      cfg = nlohmann::json::parse(io::read_file(cfg_path));
    } catch (const nlohmann::json::exception& e) {
      throw FormatError(cfg_path + ": " + e.what());
    }
    const std::string kind = cfg.value("peft_type", std::string());
    if (kind != "LORA")
      throw Error("export gguf: " + opt.adapter_dir + " is a " + (kind.empty() ? std::string("PEFT") : kind) +
                  " adapter; only a LoRA adapter can be merged into the exported weights");
    std::unique_ptr<PeftMethod> lora = load_adapter(model, opt.adapter_dir);
    merge_lora(model, *lora);
    check_chat_template(opt.adapter_dir);
    if (opt.tokenizer.empty() && fs::exists(opt.adapter_dir + "/tokenizer.json")) tok_spec = opt.adapter_dir + "/tokenizer.json";
  }
  tok::Tokenizer tk = load_tokenizer(tok_spec);
  g.name = fs::path(opt.model_dir).filename().string();
  if (g.name.empty()) g.name = fs::path(opt.model_dir).parent_path().filename().string();
  g.chat_template = kChatMlTemplate;
  return write_gguf(model, tk, g, opt.out);
}

}  // namespace lmf::ft
