#include "tools/tool_tokens.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "core/error.h"
#include "io/atomic_file.h"
#include "models/checkpoint.h"
#include "models/gguf_import.h"
#include "models/resize_embeddings.h"
#include "tokenizer/tokenizer.h"
#include "tools/tool_call.h"

namespace lmf::tools {
namespace fs = std::filesystem;

std::string with_added_special_tokens(const std::string& text, const std::vector<std::string>& tags, int64_t first_id) {
  nlohmann::ordered_json j = nlohmann::ordered_json::parse(text);
  if (!j.contains("added_tokens") || j["added_tokens"].is_null()) j["added_tokens"] = nlohmann::ordered_json::array();
  int64_t id = first_id;
  for (const std::string& t : tags)
    j["added_tokens"].push_back({{"id", id++},
                                 {"content", t},
                                 {"single_word", false},
                                 {"lstrip", false},
                                 {"rstrip", false},
                                 {"normalized", false},
                                 {"special", true}});
  return j.dump(2) + "\n";
}

ToolTokensResult add_tool_tokens(const std::string& model_dir, const std::string& out_dir, uint64_t seed) {
  if (is_gguf_path(model_dir))
    throw Error(model_dir + ": adding the tool-call tokens needs a model directory, not a GGUF file");
  const std::string tok_path = model_dir + "/tokenizer.json";
  if (!fs::is_regular_file(tok_path)) throw Error(model_dir + " has no tokenizer.json (needed to add the tool-call tokens)");
  const std::string tok_text = io::read_file(tok_path);
  const tok::Tokenizer tk = tok::Tokenizer::from_hf_json(tok_text, tok_path);
  std::vector<std::string> missing;
  for (const char* tag : {kToolCallOpen, kToolCallClose, kToolResponseOpen, kToolResponseClose}) {
    bool special = false;
    for (const tok::SpecialToken& s : tk.special_tokens()) special |= s.content == tag;
    if (special) continue;
    if (tk.token_id(tag)) throw Error(tok_path + ": '" + std::string(tag) + "' is a regular token, not a special one");
    missing.push_back(tag);
  }
  const Transformer model = load_model(model_dir);
  ToolTokensResult r;
  r.added = int64_t(missing.size());
  r.old_vocab = model.config().vocab_size;
  const int64_t first = int64_t(tk.vocab_size());
  r.new_vocab = std::max(r.old_vocab, first + r.added);
  const std::string tokenizer_config = fs::is_regular_file(model_dir + "/tokenizer_config.json")
                                           ? io::read_file(model_dir + "/tokenizer_config.json")
                                           : std::string();
  fs::create_directories(out_dir);
  save_model(resize_token_embeddings(model, r.new_vocab, seed), out_dir);
  io::write_text_atomic(out_dir + "/tokenizer.json", missing.empty() ? tok_text : with_added_special_tokens(tok_text, missing, first));
  if (!tokenizer_config.empty()) io::write_text_atomic(out_dir + "/tokenizer_config.json", tokenizer_config);
  return r;
}

}  // namespace lmf::tools
