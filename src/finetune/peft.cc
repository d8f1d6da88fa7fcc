#include "finetune/peft.h"

#include <filesystem>
#include <set>

#include "core/error.h"
#include "finetune/adapter.h"
#include "finetune/lora.h"
#include "finetune/virtual_tokens.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"

namespace lmf::ft {

int64_t PeftMethod::num_parameters() const {
  int64_t n = 0;
  for (const auto& [name, t] : tensors()) n += t.numel();
  return n;
}

std::unique_ptr<PeftMethod> create_method(Transformer& model, const PeftOptions& opt) {
  if (opt.method == "lora") return make_lora(model, opt);
  if (opt.method == "adapter") return make_adapter(model, opt);
  if (opt.method == "prompt") return make_prompt_tuning(model, opt);
  if (opt.method == "prefix") return make_prefix_tuning(model, opt);
  throw Error("unknown fine-tuning method '" + opt.method + "' (expected lora, adapter, prefix or prompt)");
}

void save_adapter(const PeftMethod& m, const std::string& dir) {
  std::filesystem::create_directories(dir);
  io::save_safetensors(dir + "/adapter_model.safetensors", m.saved_tensors(), {{"format", "pt"}});
  io::write_text_atomic(dir + "/adapter_config.json", m.config().dump(2) + "\n");
}

std::unique_ptr<PeftMethod> load_adapter(Transformer& model, const std::string& dir) {
  const std::string cfg_path = dir + "/adapter_config.json", st_path = dir + "/adapter_model.safetensors";
  if (!std::filesystem::exists(cfg_path)) throw FormatError(dir + " holds no adapter_config.json");
  nlohmann::json cfg;
  try {
    cfg = nlohmann::json::parse(io::read_file(cfg_path));
  } catch (const nlohmann::json::exception& e) {
    throw FormatError(cfg_path + ": not valid JSON: " + e.what());
  }
  const std::string type = cfg.value("peft_type", std::string());
  PeftOptions opt;
  if (type == "LORA") opt = lora_options_from_config(cfg, cfg_path);
  else if (type == "ADAPTER") opt = adapter_options_from_config(cfg, cfg_path);
  else if (type == "PROMPT_TUNING" || type == "PREFIX_TUNING") opt = virtual_token_options_from_config(cfg, cfg_path);
  else throw FormatError(cfg_path + ": peft_type '" + type + "' is not supported (LORA, ADAPTER, PROMPT_TUNING, PREFIX_TUNING)");
  std::unique_ptr<PeftMethod> m = create_method(model, opt);

  io::SafetensorsFile f = io::SafetensorsFile::open(st_path);
  std::set<std::string> used;
  for (const auto& [name, t] : m->tensors()) {
    // PEFT may keep the adapter name in a key ("...lora_A.default.weight") when saving raw state dicts.
    std::string key = name;
    if (!f.contains(key)) {
      size_t dot = name.rfind('.');
      std::string alt = name.substr(0, dot) + ".default" + name.substr(dot);
      if (f.contains(alt)) key = alt;
      else throw FormatError(st_path + ": missing tensor '" + name + "'");
    }
    if (f.shape(key) != t.shape())
      throw FormatError(st_path + ": tensor '" + key + "' has shape " + f.shape(key).str() + ", the model needs " +
                        t.shape().str());
    Tensor dst = t;
    dst.copy_from(f.get(key));
    used.insert(key);
  }
  for (const std::string& n : f.names())
    if (!used.count(n)) throw FormatError(st_path + ": tensor '" + n + "' does not belong to this " + type + " adapter for the model");
  return m;
}

void freeze(Transformer& model) { model.set_requires_grad(false); }

std::unique_ptr<PeftMethod> attach_adapter(Transformer& model, const std::string& dir) {
  if (dir.empty()) return nullptr;
  std::unique_ptr<PeftMethod> adapter = load_adapter(model, dir);
  model.set_hooks(adapter.get());
  return adapter;
}

}  // namespace lmf::ft
