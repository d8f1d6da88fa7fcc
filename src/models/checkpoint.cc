#include "models/checkpoint.h"

#include <filesystem>
#include <set>

#include "core/autograd.h"
#include "io/atomic_file.h"
#include "io/safetensors.h"
#include "models/gguf_import.h"

namespace fs = std::filesystem;

namespace lmf {

bool is_ignored_buffer(const std::string& n) {
  return n.ends_with(".attn.bias") || n.ends_with(".attn.masked_bias") || n.ends_with("rotary_emb.inv_freq");
}

void read_params(Transformer& model, const io::SafetensorsFile& f, const std::string& path, std::set<std::string>& used) {
  autograd::NoGradGuard ng;
  for (Param& p : model.params()) {
    std::string key = p.name;
    if (!f.contains(key) && key.starts_with("transformer.") && f.contains(key.substr(12))) key = key.substr(12);
    if (!f.contains(key)) throw FormatError(path + ": missing tensor '" + p.name + "'");
    used.insert(key);
    Shape want = p.value.shape();
    if (p.conv1d) want = Shape({want[1], want[0]});
    if (f.shape(key) != want)
      throw FormatError(path + ": tensor '" + key + "' has shape " + f.shape(key).str() + ", the config implies " +
                        want.str());
    Tensor t = f.get(key);
    p.value.copy_from(p.conv1d ? t.transpose(0, 1) : t);
  }
}

void load_weights(Transformer& model, const std::string& path) {
  auto f = io::SafetensorsFile::open(path);
  std::set<std::string> used;
  read_params(model, f, path, used);
  for (const std::string& n : f.names()) {
    if (used.count(n) || is_ignored_buffer(n)) continue;
    if (n == "lm_head.weight" && model.config().tie_word_embeddings) continue;  // tied copy
    throw FormatError(path + ": unexpected tensor '" + n + "' for a " + model.config().model_type() + " model");
  }
}

namespace {

// The config of the model folder `dir`; FormatError saying first what a user must fix:
// no such folder, a file instead of one, no config.json, a broken config.json.
ModelConfig load_model_config(const std::string& dir) {
  if (!fs::exists(dir)) throw FormatError(dir + ": no such model directory");
  if (!fs::is_directory(dir)) throw FormatError(dir + ": not a model directory (a file, not a directory)");
  std::string cfg_path = dir + "/config.json";
  if (!fs::exists(cfg_path)) throw FormatError(dir + ": not a model directory (no config.json)");
  return ModelConfig::load(cfg_path);
}

}  // namespace

Transformer load_model(const std::string& dir) {
  if (is_gguf_path(dir)) return load_gguf_model(dir);
  Transformer model(load_model_config(dir));
  load_weights(model, dir + "/model.safetensors");
  return model;
}

std::string model_tokenizer_spec(const std::string& model_dir, const std::string& given) {
  if (!given.empty()) return given;
  if (is_gguf_path(model_dir)) return model_dir;
  std::string p = model_dir + "/tokenizer.json";
  if (fs::exists(p)) return p;
  load_model_config(model_dir);  // say first what is really wrong: no model, or a broken config
  throw FormatError(model_dir + " has no tokenizer.json; pass --tokenizer SPEC (a tokenizer.json, a directory or tiktoken:NAME)");
}

tok::Tokenizer load_tokenizer(const std::string& spec) {
  return is_gguf_path(spec) ? load_gguf_tokenizer(spec) : tok::Tokenizer::load(spec);
}

void save_model(const Transformer& model, const std::string& dir) {
  fs::create_directories(dir);
  std::vector<std::pair<std::string, Tensor>> tensors;
  for (const Param& p : model.params()) {
    Tensor v = p.value.detach();
    tensors.push_back({p.name, p.conv1d ? v.transpose(0, 1).contiguous() : v});
  }
  io::save_safetensors(dir + "/model.safetensors", tensors, {{"format", "pt"}});
  io::write_text_atomic(dir + "/config.json", model.config().to_json().dump(2) + "\n");
  nlohmann::ordered_json g = nlohmann::ordered_json::object();
  const ModelConfig& c = model.config();
  if (c.bos_token_id >= 0) g["bos_token_id"] = c.bos_token_id;
  if (c.eos_token_id >= 0) g["eos_token_id"] = c.eos_token_id;
  io::write_text_atomic(dir + "/generation_config.json", g.dump(2) + "\n");
}

}  // namespace lmf
