// Contextual token vectors from a biLM model directory.
#include "models/bilm_embed.h"

#include <filesystem>
#include <nlohmann/json.hpp>

#include "io/atomic_file.h"

namespace lmf::models {

bool is_bilm_dir(const std::string& dir) {
  const std::string p = dir + "/config.json";
  if (!std::filesystem::exists(p)) return false;
  const nlohmann::json j = nlohmann::json::parse(io::read_file(p), nullptr, false);
  return j.is_object() && j.value("model_type", "") == "bilm";
}

BiLmEmbedder::BiLmEmbedder(const std::string& model_dir, const std::string& tokenizer_spec)
    : model_(BiLm::load(model_dir)), tokenizer_(tok::Tokenizer::load(tokenizer_spec.empty() ? model_dir : tokenizer_spec)) {}

TokenVectors BiLmEmbedder::embed(const std::string& text, const std::string& where, int64_t layer) const {
  if (layer > num_layers())
    throw Error("layer " + std::to_string(layer) + " of a biLM with " + std::to_string(num_layers()) +
                " layers (0 is the token embedding, 1.." + std::to_string(num_layers()) + " the LSTM layers)");
  const std::vector<TokenId> ids = tokenizer_.encode(text);
  if (ids.empty()) throw Error(where + ": the text has no tokens");
  std::vector<int32_t> v;
  TokenVectors out;
  int64_t start = 0;
  for (TokenId id : ids) {
    if (int64_t(id) >= model_.config().vocab_size)
      throw Error(where + ": token id " + std::to_string(id) + " is outside the model's vocabulary of " +
                  std::to_string(model_.config().vocab_size));
    v.push_back(int32_t(id));
    out.tokens.push_back(tokenizer_.decode(std::span<const TokenId>(&id, 1)));
    out.starts.push_back(start);
    start += int64_t(tokenizer_.decode_bytes(std::span<const TokenId>(&id, 1)).size());
  }
  const std::vector<Tensor> layers = model_.layers(Tensor::from_ints(v, {int64_t(v.size()), 1}));  // each (T, 1, 2H)
  const Tensor mixed = layer < 0 ? model_.mix(layers) : layers[size_t(layer)];
  out.dim = mixed.size(2);
  out.vectors = mixed.to_vector();
  return out;
}

}  // namespace lmf::models
