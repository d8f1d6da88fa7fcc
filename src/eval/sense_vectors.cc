// One vector an occurrence: a biLM's contextual mix at the word, or word2vec's static vector.
#include "eval/sense_vectors.h"

#include <filesystem>

#include "core/error.h"
#include "models/bilm_embed.h"
#include "models/word2vec/vectors.h"

namespace lmf::eval {

BiLmLayer BiLmLayer::parse(const std::string& s) {
  if (s == "mix") return {Mix, 0};
  if (s == "top") return {Top, 0};
  if (!s.empty() && s.size() < 6 && s.find_first_not_of("0123456789") == std::string::npos) return {Index, std::stoll(s)};
  throw Error("layer '" + s + "': give mix, top or a layer number (0: the token embedding)");
}

std::string BiLmLayer::name() const {
  return kind == Mix ? "mix" : kind == Top ? "top" : "layer " + std::to_string(index);
}

OccurrenceVectors occurrence_vectors(const std::string& model, const std::vector<SenseContext>& contexts,
                                     BiLmLayer layer, const std::string& tokenizer_spec) {
  OccurrenceVectors out;
  if (std::filesystem::is_directory(model)) {
    if (!models::is_bilm_dir(model))
      throw Error(model + ": not a biLM model directory (config.json does not name model_type \"bilm\"); give a biLM "
                          "directory (`train --arch bilm`) or a word2vec vectors file (`train --arch word2vec`)");
    const models::BiLmEmbedder embedder(model, tokenizer_spec);
    const int64_t k = layer.kind == BiLmLayer::Mix ? -1 : layer.kind == BiLmLayer::Top ? embedder.num_layers() : layer.index;
    out.kind = "bilm " + (k < 0 ? std::string("mix") : "layer " + std::to_string(k));
    for (const SenseContext& c : contexts) {
      const models::TokenVectors tv = embedder.embed(c.text, c.where, k);
      out.dim = tv.dim;
      std::vector<float> v(size_t(tv.dim), 0.0f);
      int64_t covered = 0;
      for (size_t t = 0; t < tv.starts.size(); ++t) {
        const int64_t begin = tv.starts[t];
        const int64_t end = t + 1 < tv.starts.size() ? tv.starts[t + 1] : int64_t(c.text.size());
        if (end <= c.start || begin >= c.end) continue;
        for (int64_t k = 0; k < tv.dim; ++k) v[size_t(k)] += tv.vectors[size_t(int64_t(t) * tv.dim + k)];
        ++covered;
      }
      if (covered == 0) throw Error(c.where + ": no token of the text covers bytes [" + std::to_string(c.start) + ", " +
                                    std::to_string(c.end) + ")");
      for (float& x : v) x /= float(covered);
      out.vectors.push_back(std::move(v));
    }
    return out;
  }
  if (!std::filesystem::exists(model))
    throw Error(model + ": no such biLM model directory or word2vec vectors file");
  const word2vec::Vectors vec = word2vec::read_vectors(model);
  out.kind = "word2vec";
  out.dim = vec.dim;
  for (const SenseContext& c : contexts) {
    const int32_t row = vec.find(c.word);
    if (row < 0) throw Error(c.where + ": '" + c.word + "' is not in the vocabulary of " + model);
    out.vectors.emplace_back(vec.row(row), vec.row(row) + vec.dim);
  }
  return out;
}

std::vector<ModelSenseReport> compare_senses(const std::vector<std::string>& models, const std::string& contexts_path,
                                             BiLmLayer layer) {
  const std::vector<SenseContext> contexts = read_sense_contexts(contexts_path);
  std::vector<ModelSenseReport> out;
  for (const std::string& m : models) {
    const OccurrenceVectors v = occurrence_vectors(m, contexts, layer);
    out.push_back({m, v.kind, v.dim, score_senses(contexts, v.vectors)});
  }
  return out;
}

}  // namespace lmf::eval
